package trail

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// stdRecord is record as encoding/json reads it: the reference
// decodeRecord must agree with.
type stdRecord struct {
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

// decodeStd is decodeRecord done by encoding/json.
func decodeStd(raw []byte, r *record) bool {
	var s stdRecord
	if json.Unmarshal(raw, &s) != nil {
		return false
	}
	r.EventVersion, r.EventTime, r.EventSource, r.EventName = s.EventVersion, s.EventTime, s.EventSource, s.EventName
	r.AWSRegion, r.SourceIPAddress, r.UserAgent, r.ErrorCode, r.ErrorMessage = s.AWSRegion, s.SourceIPAddress, s.UserAgent, s.ErrorCode, s.ErrorMessage
	r.RequestParameters, r.ResponseElements, r.AdditionalEventData = string(s.RequestParameters), string(s.ResponseElements), string(s.AdditionalEventData)
	r.RequestID, r.EventID, r.ReadOnly, r.EventType, r.EventCategory, r.RecipientAccountID = s.RequestID, s.EventID, s.ReadOnly, s.EventType, s.EventCategory, s.RecipientAccountID
	u := &r.UserIdentity
	u.Type, u.PrincipalID, u.ARN, u.AccessKeyID = s.UserIdentity.Type, s.UserIdentity.PrincipalID, s.UserIdentity.ARN, s.UserIdentity.AccessKeyID
	u.SessionContext.SessionIssuer.ARN = s.UserIdentity.SessionContext.SessionIssuer.ARN
	return true
}

var decodeCases = []string{
	`{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::111:assumed-role/r/s","accessKeyId":"ASIAX","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111:role/r","type":"Role"},"attributes":{"mfaAuthenticated":"false"}}},` +
		`"eventTime":"2026-11-16T10:00:00Z","eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9",` +
		`"userAgent":"python-requests/2.31","errorCode":"AccessDenied","errorMessage":"no","requestParameters":{"guardrailIdentifier":"g1","n":[1,-2.5e+3,0.1,true,false,null,{}]},"responseElements":null,` +
		`"requestID":"req-1","eventID":"ev-1","readOnly":false,"eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"111","futureField":{"x":1}}`,
	` { "eventID" : "a" , "eventTime":"2026-11-16T10:00:00Z" } ` + "\n",
	`{}`, `null`, ` null `, `[]`, `"x"`, `1`, `true`, ``, ` `, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"eventID":"a"}x`, `{"eventID":"a"}{}`,
	`{"EVENTNAME":"upper","EventID":"folded"}`, `{"eventName":"a","eventname":"b"}`, `{"ev\u0065ntName":"escaped key"}`,
	"{\"eventName\":\"\\u212a\",\"accessKeyId\":\"top\",\"userIdentity\":{\"accessKe\u212aId\":\"kelvin\"}}",
	`{"eventName":"a","eventName":null}`, `{"errorCode":"x","errorCode":null}`, `{"readOnly":true,"readOnly":null}`, `{"readOnly":"true"}`, `{"readOnly":1}`,
	`{"requestParameters":{"a":1},"requestParameters":null}`, `{"requestParameters":  [1, 2 ] ,"responseElements":"s"}`,
	`{"userIdentity":null}`, `{"userIdentity":"root"}`, `{"userIdentity":[]}`, `{"userIdentity":{"arn":1}}`, `{"userIdentity":{"type":"a"},"userIdentity":{"arn":"b"}}`,
	`{"userIdentity":{"sessionContext":{"sessionIssuer":null}}}`, `{"userIdentity":{"sessionContext":{"sessionIssuer":{"arn":null,"ARN":"x"}}}}`,
	`{"eventTime":1700000000}`, `{"eventName":{"a":1}}`, `{"unknown":[1,{"b":[null]}],"eventName":"x"}`,
	`{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, `{"eventName":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"}`, `{"eventName":"\ud83d"}`, `{"eventName":"\ud83dx\ude00"}`,
	`{"eventName":"\ud83d\u0041"}`, `{"eventName":"\x"}`, `{"eventName":"\u00g0"}`, `{"eventName":"a` + "\x01" + `"}`, `{"x":"a` + "\t" + `"}`,
	"{\"userAgent\":\"bad\xff\xfe\",\"eventName\":\"\xc3\xa9\xe2\x82\"}", "{\"x\":\"bad\xff\",\"requestParameters\":{\"k\":\"\xff\"}}",
	`{"n":01}`, `{"n":-}`, `{"n":1.}`, `{"n":.5}`, `{"n":1e}`, `{"n":-0.0e-0}`, `{"n":tru}`, `{"n":nul}`, `{"n":[1 2]}`, `{"n":{"a" "b"}}`, `{"n":{1:2}}`,
	`{"eventName":"x"` + strings.Repeat(" ", 3) + `}`, "{\"eventName\":\"x\"}\t\r\n",
	`{"deep":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
	`{"deep":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + `}`,
	`{"requestParameters":` + strings.Repeat("{\"a\":", 9998) + "1" + strings.Repeat("}", 9998) + `}`,
}

func TestDecodeRecordAgreesWithEncodingJSON(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, c)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	for _, c := range decodeCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) { checkDecode(t, s) })
}

func checkDecode(t *testing.T, s string) {
	t.Helper()
	var got, want record
	okGot, okWant := decodeRecord(s, &got), decodeStd([]byte(s), &want)
	if okGot != okWant {
		t.Fatalf("%.200q: decodeRecord %v, encoding/json %v", s, okGot, okWant)
	}
	if okGot && !reflect.DeepEqual(got, want) {
		t.Fatalf("%.200q:\n got %+v\nwant %+v", s, got, want)
	}
}

// parseRecordStd is ParseRecord as it was, with encoding/json.
func parseRecordStd(raw []byte, fallbackID string, fallbackTime time.Time) *schemas.CloudTrailEvent {
	var r record
	if !decodeStd(raw, &r) {
		return unparsed(string(raw), fallbackID, fallbackTime)
	}
	return fill(string(raw), &r, fallbackID, fallbackTime)
}

// BenchmarkParseRecord parses a management record of the usual shape,
// and, as the reference, parseRecordStd the same record.
func BenchmarkParseRecord(b *testing.B) {
	raw := []byte(decodeCases[0])
	for _, p := range []struct {
		name  string
		parse func([]byte, string, time.Time) *schemas.CloudTrailEvent
	}{{"decodeRecord", ParseRecord}, {"fields", ParseRecordFields}, {"encoding-json", parseRecordStd}} {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				p.parse(raw, "f", time.Time{})
			}
		})
	}
}

func TestParseRecordAgreesWithEncodingJSON(t *testing.T) {
	at := time.Date(2026, 11, 16, 1, 2, 3, 0, time.UTC)
	for _, c := range decodeCases {
		got, want := ParseRecord([]byte(c), "fb", at), parseRecordStd([]byte(c), "fb", at)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.100q:\n got %+v\nwant %+v", c, got, want)
		}
		if !bytes.Equal([]byte(got.Raw), []byte(c)) {
			t.Errorf("%.100q: raw changed", c)
		}
	}
}

// ParseRecordFields gives ParseRecord's row without Raw, and nothing in it
// points into the buffer it was given: overwriting the buffer afterwards
// changes nothing.
func TestParseRecordFieldsOwnsItsStrings(t *testing.T) {
	at := time.Date(2026, 11, 16, 1, 2, 3, 0, time.UTC)
	for _, c := range append(decodeCases, `{"eventID":"e","errorCode":"AccessDenied","errorMessage":"no \u00e9","requestParameters":{"a":[1,2]}}`) {
		want := ParseRecord([]byte(c), "fb", at)
		buf := []byte(c)
		got := ParseRecordFields(buf, "fb", at)
		for i := range buf {
			buf[i] = 'X'
		}
		if want.Parsed {
			want.Raw = ""
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.100q:\n got %+v\nwant %+v", c, got, want)
		}
	}
}
