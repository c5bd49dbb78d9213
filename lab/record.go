package lab

import (
	"encoding/json"
	"time"
)

// record is a CloudTrail record as CloudTrail writes it, field order
// included. The built-in scenario writes its events with it.
type record struct {
	EventVersion        string         `json:"eventVersion"`
	UserIdentity        recordIdent    `json:"userIdentity"`
	EventTime           string         `json:"eventTime"`
	EventSource         string         `json:"eventSource"`
	EventName           string         `json:"eventName"`
	AWSRegion           string         `json:"awsRegion"`
	SourceIPAddress     string         `json:"sourceIPAddress"`
	UserAgent           string         `json:"userAgent"`
	ErrorCode           string         `json:"errorCode,omitempty"`
	ErrorMessage        string         `json:"errorMessage,omitempty"`
	RequestParameters   any            `json:"requestParameters"`
	ResponseElements    any            `json:"responseElements"`
	AdditionalEventData any            `json:"additionalEventData,omitempty"`
	RequestID           string         `json:"requestID,omitempty"`
	EventID             string         `json:"eventID"`
	ReadOnly            bool           `json:"readOnly"`
	Resources           []recordRes    `json:"resources,omitempty"`
	EventType           string         `json:"eventType"`
	ManagementEvent     bool           `json:"managementEvent"`
	RecipientAccountID  string         `json:"recipientAccountId"`
	EventCategory       string         `json:"eventCategory"`
	TLSDetails          *recordTLS     `json:"tlsDetails,omitempty"`
	SessionFromConsole  string         `json:"sessionCredentialFromConsole,omitempty"`
	SharedEventID       string         `json:"sharedEventID,omitempty"`
	VPCEndpointID       string         `json:"vpcEndpointId,omitempty"`
	ServiceEventDetails map[string]any `json:"serviceEventDetails,omitempty"`
}

// recordIdent is a CloudTrail userIdentity element.
type recordIdent struct {
	Type           string         `json:"type"`
	PrincipalID    string         `json:"principalId,omitempty"`
	ARN            string         `json:"arn,omitempty"`
	AccountID      string         `json:"accountId,omitempty"`
	AccessKeyID    string         `json:"accessKeyId,omitempty"`
	UserName       string         `json:"userName,omitempty"`
	SessionContext *recordSession `json:"sessionContext,omitempty"`
	InvokedBy      string         `json:"invokedBy,omitempty"`
}

type recordSession struct {
	SessionIssuer *recordIssuer  `json:"sessionIssuer,omitempty"`
	Attributes    recordSessAttr `json:"attributes"`
}

type recordIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

type recordSessAttr struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

type recordTLS struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// cloudTrailTime is the format of eventTime.
const cloudTrailTime = "2006-01-02T15:04:05Z"

func (r *record) marshal() json.RawMessage {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err) // records are built from plain values
	}
	return b
}

func ctTime(t time.Time) string { return t.UTC().Format(cloudTrailTime) }
