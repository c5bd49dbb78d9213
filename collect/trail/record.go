// Package trail collects CloudTrail events through the LookupEvents API and
// parses CloudTrail records into the cloudtrail_events table.
package trail

import (
	"time"
	"unsafe"

	"github.com/custodyhq/custody/schemas"
)

// record is the subset of a CloudTrail record custody normalizes. Every
// field stays in the raw record whether or not it is listed here.
// decodeRecord fills it (fieldNames has the JSON names); the raw values
// (requestParameters, responseElements, additionalEventData) are kept as
// the record's text, empty when absent.
type record struct {
	EventVersion string
	UserIdentity struct {
		Type           string
		PrincipalID    string
		ARN            string
		AccessKeyID    string
		SessionContext struct {
			SessionIssuer struct {
				ARN string
			}
		}
	}
	EventTime           string
	EventSource         string
	EventName           string
	AWSRegion           string
	SourceIPAddress     string
	UserAgent           string
	ErrorCode           *string
	ErrorMessage        *string
	RequestParameters   string
	ResponseElements    string
	AdditionalEventData string
	RequestID           string
	EventID             string
	ReadOnly            *bool
	EventType           string
	EventCategory       string
	RecipientAccountID  string
}

// ParseRecord turns one CloudTrail record into a row. A record that cannot
// be parsed is still returned, with Parsed false and Raw holding it, so that
// nothing is dropped; fallbackID and fallbackTime (from the envelope the
// record came in, when there is one) then identify it.
func ParseRecord(raw []byte, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	s := string(raw)
	var r record
	if !decodeRecord(s, &r) {
		return unparsed(s, fallbackID, fallbackTime)
	}
	return fill(s, &r, fallbackID, fallbackTime)
}

// ParseRecordFields is ParseRecord for a record kept elsewhere, byte-exact
// (a log file's blob): the row's Raw is empty and its strings are copied
// out of raw into one allocation of their own, so the row pins neither raw
// nor a copy of it, and raw may be reused once it returns. A record that
// does not parse is returned as ParseRecord returns it, Raw holding a copy.
func ParseRecordFields(raw []byte, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	var r record
	if !decodeRecord(unsafe.String(unsafe.SliceData(raw), len(raw)), &r) {
		return unparsed(string(raw), fallbackID, fallbackTime)
	}
	r.own()
	return fill("", &r, fallbackID, fallbackTime)
}

// own copies the record's strings, which may point into the caller's
// buffer, into one new allocation.
func (r *record) own() {
	fields := [...]*string{
		&r.EventVersion, &r.UserIdentity.Type, &r.UserIdentity.PrincipalID, &r.UserIdentity.ARN,
		&r.UserIdentity.AccessKeyID, &r.UserIdentity.SessionContext.SessionIssuer.ARN, &r.EventTime,
		&r.EventSource, &r.EventName, &r.AWSRegion, &r.SourceIPAddress, &r.UserAgent,
		&r.RequestParameters, &r.ResponseElements, &r.AdditionalEventData, &r.RequestID, &r.EventID,
		&r.EventType, &r.EventCategory, &r.RecipientAccountID, r.ErrorCode, r.ErrorMessage,
	}
	n := 0
	for _, f := range fields {
		if f != nil {
			n += len(*f)
		}
	}
	buf := make([]byte, 0, n)
	for _, f := range fields {
		if f != nil {
			buf = append(buf, *f...)
		}
	}
	all := unsafe.String(unsafe.SliceData(buf), len(buf))
	for _, f := range fields {
		if f != nil {
			l := len(*f)
			*f, all = all[:l], all[l:]
		}
	}
}

// unparsed is the row of a record that does not parse.
func unparsed(raw, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	return &schemas.CloudTrailEvent{Raw: raw, EventID: fallbackID, EventTime: fallbackTime, MetadataUID: fallbackID, Time: fallbackTime}
}

// fill makes the row of a decoded record.
func fill(raw string, r *record, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	row := unparsed(raw, fallbackID, fallbackTime)
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
func rawJSON(m string) *string {
	if m == "" || m == "null" {
		return nil
	}
	return &m
}
