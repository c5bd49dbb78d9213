package awscfg

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/custodyhq/custody/schemas"
)

func TestAllowedOperation(t *testing.T) {
	for _, tc := range []struct {
		op   string
		want bool
	}{
		{"LookupEvents", true},
		{"GetGuardrail", true},
		{"ListObjectVersions", true},
		{"DescribeTrails", true},
		{"FilterLogEvents", true},
		{"HeadObject", true},
		{"BatchGetCollection", true},
		{"AssumeRole", true},
		{"GetCallerIdentity", true},
		{"DeleteGuardrail", false},
		{"PutObject", false},
		{"CreateGuardrailVersion", false},
		{"StopLogging", false},
		{"UpdateAgent", false},
		{"InvokeModel", false},
		{"Listen", false},  // a prefix alone is not a verb
		{"Getaway", false}, // nor is a word that starts like one
		{"", false},
		{"AssumeRoleWithSAML", false},
	} {
		if got := AllowedOperation(tc.op); got != tc.want {
			t.Errorf("AllowedOperation(%q) = %v, want %v", tc.op, got, tc.want)
		}
	}
}

// A mutating call through a configured client never leaves the process:
// the server sees no request at all.
func TestGuardRefusesBeforeSending(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	ctx := context.Background()
	base, err := LoadBase(ctx, BaseOptions{Region: "us-east-1", EndpointURL: srv.URL, AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	var recorded atomic.Int64
	f := &Factory{Base: base, Limits: &Limits{}, Record: func(context.Context, schemas.Unit, schemas.Acquisition) { recorded.Add(1) }}
	cfg := f.Config(schemas.Target{Account: "111111111111", Region: "us-east-1"})

	br := bedrock.NewFromConfig(cfg)
	_, err = br.DeleteGuardrail(ctx, &bedrock.DeleteGuardrailInput{GuardrailIdentifier: aws.String("g")})
	if !errors.Is(err, ErrNotReadOnly) {
		t.Fatalf("DeleteGuardrail: err = %v, want ErrNotReadOnly", err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err = s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("b"), Key: aws.String("k")})
	if !errors.Is(err, ErrNotReadOnly) {
		t.Fatalf("PutObject: err = %v, want ErrNotReadOnly", err)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("server saw %d requests for refused operations", n)
	}

	// A read goes through, and is recorded.
	if _, err := br.ListGuardrails(ctx, &bedrock.ListGuardrailsInput{}); err != nil {
		t.Fatalf("ListGuardrails: %v", err)
	}
	if hits.Load() != 1 || recorded.Load() != 1 {
		t.Fatalf("read: %d requests, %d recorded; want 1 and 1", hits.Load(), recorded.Load())
	}
}
