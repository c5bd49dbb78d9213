package awscfg

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/custodyhq/custody/schemas"
)

// A body cut short is retried; a well-formed error response that cannot be
// decoded is not (it would be retried to no end).
func TestRetryTruncatedBodyOnly(t *testing.T) {
	const whole = `{"guardrails":[]}`
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("nextToken") {
		case "bad":
			calls.Add(1)
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte("lab: not json"))
			return
		}
		if calls.Add(1) == 1 {
			// Promise the whole body, send half, drop the connection.
			hj, _ := w.(http.Hijacker)
			conn, buf, _ := hj.Hijack()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(whole), whole[:len(whole)/2])
			buf.Flush()
			conn.Close()
			return
		}
		w.Write([]byte(whole))
	}))
	defer srv.Close()
	ctx := context.Background()
	base, err := LoadBase(ctx, BaseOptions{Region: "us-east-1", EndpointURL: srv.URL, AccessKeyID: "AKID", SecretAccessKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	c := bedrock.NewFromConfig((&Factory{Base: base}).Config(schemas.Target{Account: "1", Region: "us-east-1"}))
	if _, err := c.ListGuardrails(ctx, &bedrock.ListGuardrailsInput{}); err != nil {
		t.Fatalf("truncated body not retried: %v", err)
	}
	if calls.Load() != 2 {
		t.Fatalf("%d calls, want 2", calls.Load())
	}
	calls.Store(0)
	tok := "bad"
	if _, err := c.ListGuardrails(ctx, &bedrock.ListGuardrailsInput{NextToken: &tok}); err == nil {
		t.Fatal("undecodable 400 succeeded")
	}
	if calls.Load() != 1 {
		t.Fatalf("undecodable 400 sent %d times, want once", calls.Load())
	}
}
