// Package trail collects CloudTrail events through the LookupEvents API and
// parses CloudTrail records into the cloudtrail_events table.
package trail

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// record is the subset of a CloudTrail record custody normalizes. Every
// field stays in the raw record whether or not it is listed here.
type record struct {
	EventVersion string `json:"eventVersion"`
	UserIdentity struct {
		Type           string `json:"type"`
		PrincipalID    string `json:"principalId"`
		ARN            string `json:"arn"`
		AccessKeyID    string `json:"accessKeyId"`
		SessionContext struct {
			SessionIssuer struct {
				ARN string `json:"arn"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	EventTime           string          `json:"eventTime"`
	EventSource         string          `json:"eventSource"`
	EventName           string          `json:"eventName"`
	AWSRegion           string          `json:"awsRegion"`
	SourceIPAddress     string          `json:"sourceIPAddress"`
	UserAgent           string          `json:"userAgent"`
	ErrorCode           *string         `json:"errorCode"`
	ErrorMessage        *string         `json:"errorMessage"`
	RequestParameters   json.RawMessage `json:"requestParameters"`
	ResponseElements    json.RawMessage `json:"responseElements"`
	AdditionalEventData json.RawMessage `json:"additionalEventData"`
	RequestID           string          `json:"requestID"`
	EventID             string          `json:"eventID"`
	ReadOnly            *bool           `json:"readOnly"`
	EventType           string          `json:"eventType"`
	EventCategory       string          `json:"eventCategory"`
	RecipientAccountID  string          `json:"recipientAccountId"`
}

// ParseRecord turns one CloudTrail record into a row. A record that cannot
// be parsed is still returned, with Parsed false and Raw holding it, so that
// nothing is dropped; fallbackID and fallbackTime (from the envelope the
// record came in, when there is one) then identify it.
func ParseRecord(raw []byte, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	row := &schemas.CloudTrailEvent{Raw: string(raw), EventID: fallbackID, EventTime: fallbackTime, MetadataUID: fallbackID, Time: fallbackTime}
	var r record
	if err := json.Unmarshal(raw, &r); err != nil {
		return row
	}
	row.Parsed = true
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		t = fallbackTime
	}
	if r.EventID == "" {
		r.EventID = fallbackID
	}
	row.EventID = r.EventID
	row.EventTime = t.UTC()
	row.EventVersion = r.EventVersion
	row.EventSource = r.EventSource
	row.EventName = r.EventName
	row.EventType = r.EventType
	row.EventCategory = r.EventCategory
	row.AWSRegion = r.AWSRegion
	row.RecipientAccountID = r.RecipientAccountID
	row.SourceIPAddress = r.SourceIPAddress
	row.UserAgent = r.UserAgent
	row.ErrorCode = r.ErrorCode
	row.ErrorMessage = r.ErrorMessage
	row.RequestID = r.RequestID
	row.ReadOnly = r.ReadOnly
	row.UserIdentityType = r.UserIdentity.Type
	row.UserIdentityARN = r.UserIdentity.ARN
	row.AccessKeyID = r.UserIdentity.AccessKeyID
	row.SessionIssuerARN = r.UserIdentity.SessionContext.SessionIssuer.ARN
	row.RequestParameters = rawJSON(r.RequestParameters)
	row.ResponseElements = rawJSON(r.ResponseElements)
	row.AdditionalData = rawJSON(r.AdditionalEventData)

	row.Time = row.EventTime
	row.APIOperation = r.EventName
	row.APIServiceName = r.EventSource
	row.APIRequestUID = r.RequestID
	row.ActorUserUID = r.UserIdentity.ARN
	if row.ActorUserUID == "" {
		row.ActorUserUID = r.UserIdentity.PrincipalID
	}
	row.ActorCredentialUID = r.UserIdentity.AccessKeyID
	row.ActorSessionIssuer = row.SessionIssuerARN
	row.SrcEndpointIP = r.SourceIPAddress
	row.HTTPRequestUserAgent = r.UserAgent
	row.CloudRegion = r.AWSRegion
	row.CloudAccountUID = r.RecipientAccountID
	row.APIResponseError = r.ErrorCode
	row.MetadataUID = r.EventID
	row.Element = Element(r.EventSource, r.EventName)
	return row
}

// rawJSON keeps a JSON value as recorded; absent and null are both null.
func rawJSON(m json.RawMessage) *string {
	if len(m) == 0 || bytes.Equal(m, []byte("null")) {
		return nil
	}
	s := string(m)
	return &s
}
