package trail

import (
	"strings"
	"testing"
	"time"
)

func TestParseRecord(t *testing.T) {
	fallback := time.Date(2026, 11, 16, 1, 2, 3, 0, time.UTC)
	big := `{"policy":"` + strings.Repeat("a", 200000) + `"}`
	for _, tc := range []struct {
		name   string
		raw    string
		check  func(t *testing.T, raw string, r *rowView)
		parsed bool
	}{
		{
			name: "assumed role with error", parsed: true,
			raw: `{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","arn":"arn:aws:sts::111:assumed-role/r/s","accessKeyId":"ASIAX","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111:role/r"}}},` +
				`"eventTime":"2026-11-16T10:00:00Z","eventSource":"bedrock.amazonaws.com","eventName":"DeleteGuardrail","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.9",` +
				`"userAgent":"python-requests/2.31","errorCode":"AccessDenied","errorMessage":"no","requestParameters":{"guardrailIdentifier":"g1"},"responseElements":null,` +
				`"requestID":"req-1","eventID":"ev-1","readOnly":false,"eventType":"AwsApiCall","eventCategory":"Management","recipientAccountId":"111","futureField":{"x":1}}`,
			check: func(t *testing.T, raw string, r *rowView) {
				r.want(t, "event_id", r.EventID, "ev-1")
				r.want(t, "event_time", r.EventTime.Format(time.RFC3339), "2026-11-16T10:00:00Z")
				r.want(t, "session issuer", r.SessionIssuerARN, "arn:aws:iam::111:role/r")
				r.want(t, "error", deref(r.ErrorCode), "AccessDenied")
				r.want(t, "ocsf error", deref(r.APIResponseError), "AccessDenied")
				r.want(t, "request params", deref(r.RequestParameters), `{"guardrailIdentifier":"g1"}`)
				if r.ResponseElements != nil {
					t.Errorf("null responseElements = %q, want null", *r.ResponseElements)
				}
				if r.ReadOnly == nil || *r.ReadOnly {
					t.Errorf("readOnly = %v, want false", r.ReadOnly)
				}
				r.want(t, "element", r.Element, ElementAI)
				r.want(t, "credential", r.ActorCredentialUID, "ASIAX")
			},
		},
		{
			name: "absent optional fields and old version", parsed: true,
			raw: `{"eventVersion":"1.02","eventTime":"2014-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"PutObject","eventID":"ev-2"}`,
			check: func(t *testing.T, raw string, r *rowView) {
				if r.ErrorCode != nil || r.ReadOnly != nil || r.RequestParameters != nil {
					t.Errorf("absent fields must stay null: %+v", r.CloudTrailEvent)
				}
				r.want(t, "element", r.Element, ElementDataStore)
			},
		},
		{
			name: "very large requestParameters kept whole", parsed: true,
			raw: `{"eventID":"ev-3","eventTime":"2026-11-16T10:00:00Z","requestParameters":` + big + `}`,
			check: func(t *testing.T, raw string, r *rowView) {
				r.want(t, "request params", deref(r.RequestParameters), big)
			},
		},
		{
			name: "unparsable record is kept raw", parsed: false,
			raw: `{"eventID":"ev-4","eventTime":`,
			check: func(t *testing.T, raw string, r *rowView) {
				r.want(t, "fallback id", r.EventID, "fallback-id")
				r.want(t, "fallback time", r.EventTime.Format(time.RFC3339), fallback.Format(time.RFC3339))
			},
		},
		{
			name: "invalid UTF-8 is kept byte-exact", parsed: true,
			raw:   "{\"eventID\":\"ev-5\",\"eventTime\":\"2026-11-16T10:00:00Z\",\"userAgent\":\"bad\xff\xfe\"}",
			check: func(t *testing.T, raw string, r *rowView) {},
		},
		{
			name: "insights event", parsed: true,
			raw: `{"eventVersion":"1.08","eventTime":"2026-11-16T10:00:00Z","eventID":"ev-6","eventType":"AwsCloudTrailInsight","eventCategory":"Insight","insightDetails":{"state":"Start","eventSource":"bedrock.amazonaws.com","eventName":"InvokeModel"}}`,
			check: func(t *testing.T, raw string, r *rowView) {
				r.want(t, "category", r.EventCategory, "Insight")
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := ParseRecord([]byte(tc.raw), "fallback-id", fallback)
			if row.Raw != tc.raw {
				t.Fatalf("raw record changed")
			}
			if row.Parsed != tc.parsed {
				t.Fatalf("parsed = %v, want %v", row.Parsed, tc.parsed)
			}
			tc.check(t, tc.raw, &rowView{row})
		})
	}
}

func TestElement(t *testing.T) {
	for _, tc := range []struct{ source, name, want string }{
		{"bedrock.amazonaws.com", "InvokeModel", ElementInvocation},
		{"bedrock.amazonaws.com", "Converse", ElementInvocation},
		{"bedrock.amazonaws.com", "CreateAgentActionGroup", ElementAgency},
		{"bedrock.amazonaws.com", "StartIngestionJob", ElementDataStore},
		{"bedrock.amazonaws.com", "DeleteModelInvocationLoggingConfiguration", ElementAI},
		{"iam.amazonaws.com", "CreateAccessKey", ElementAccess},
		{"ses.amazonaws.com", "SendEmail", ElementAgency},
		{"lambda.amazonaws.com", "UpdateFunctionCode20150331v2", ElementInfrastructure},
		{"s3.amazonaws.com", "PutObject", ElementDataStore},
	} {
		if got := Element(tc.source, tc.name); got != tc.want {
			t.Errorf("Element(%s, %s) = %s, want %s", tc.source, tc.name, got, tc.want)
		}
	}
}
