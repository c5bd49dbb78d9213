package awscfg

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/custodyhq/custody/schemas"
)

// The body kept is the body sent, byte for byte, not a re-encoding.
func TestRawBodyIsByteExact(t *testing.T) {
	const body = `{"guardrailId":"g1",  "name":"caf\u00e9","version":"1","status":"READY","unknownField":1.50,` +
		`"guardrailArn":"arn:aws:bedrock:us-east-1:111111111111:guardrail/g1","createdAt":"2026-11-16T00:00:00Z","updatedAt":"2026-11-16T00:00:00Z",` +
		`"blockedInputMessaging":"no","blockedOutputsMessaging":"no"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	defer srv.Close()
	ctx := context.Background()
	base, err := LoadBase(ctx, BaseOptions{Region: "us-east-1", EndpointURL: srv.URL, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	f := &Factory{Base: base}
	c := bedrock.NewFromConfig(f.Config(schemas.Target{Account: "1", Region: "us-east-1"}), func(o *bedrock.Options) {
		o.APIOptions = append(o.APIOptions, CaptureRawBody(1<<20))
	})
	out, err := c.GetGuardrail(ctx, &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String("g1")})
	if err != nil {
		t.Fatal(err)
	}
	got, whole := RawBody(out.ResultMetadata)
	if string(got) != body || !whole {
		t.Fatalf("raw body = %q (whole %v), want %q", got, whole, body)
	}
	if aws.ToString(out.Name) != "café" {
		t.Fatalf("decoded name = %q", aws.ToString(out.Name))
	}
}
