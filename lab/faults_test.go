package lab

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestParseFaults(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want Faults
		err  bool
	}{
		{"", Faults{}, false},
		{"throttle=0.05,error=0.02,reset=0.01,truncate=0.01", Faults{Throttle: 0.05, Error: 0.02, Reset: 0.01, Truncate: 0.01}, false},
		{" throttle = 0.5 ", Faults{Throttle: 0.5}, false},
		{"throttle=2", Faults{}, true},
		{"throttle=-0.1", Faults{}, true},
		{"slow=0.1", Faults{}, true},
		{"throttle", Faults{}, true},
		{"throttle=0.6,error=0.6", Faults{}, true},
		{"error=NaN", Faults{}, true},
	} {
		got, err := ParseFaults(tc.spec)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseFaults(%q) = %+v, %v", tc.spec, got, err)
		}
		if !tc.err {
			again, err := ParseFaults(got.String())
			if err != nil || again != got {
				t.Errorf("ParseFaults(%q.String()) = %+v, %v", tc.spec, again, err)
			}
		}
	}
}

// faultRun sends the same 80 requests and returns the faults they met.
func faultRun(t *testing.T, seed int64) ([]string, []error, []Call) {
	f, err := ParseFaults("throttle=0.2,error=0.2,reset=0.15,truncate=0.15")
	if err != nil {
		t.Fatal(err)
	}
	s, url := startLab(t, Options{Faults: f, Seed: seed, NoQuotas: true})
	st := sts.NewFromConfig(sdkConfig(url, s.Responder(), "us-east-1", false))
	var errs []error
	for range 80 {
		_, err := st.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		errs = append(errs, err)
	}
	// Classify from the client's side: the server records calls as they
	// finish, which may not be the order the client saw them in.
	var faults []string
	for _, err := range errs {
		var ae smithy.APIError
		switch {
		case err == nil:
			faults = append(faults, "")
		case errors.As(err, &ae):
			faults = append(faults, ae.ErrorCode())
		default:
			faults = append(faults, "transport")
		}
	}
	calls := s.Calls()
	slices.SortFunc(calls, func(a, b Call) int { return a.Time.Compare(b.Time) })
	return faults, errs, calls
}

func TestFaultsFireReproducibly(t *testing.T) {
	a, errs, calls := faultRun(t, 42)
	b, _, _ := faultRun(t, 42)
	c, _, _ := faultRun(t, 43)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different faults")
	}
	if slices.Equal(a, c) {
		t.Fatal("another seed gave the same faults")
	}
	seen := map[string]int{}
	for _, call := range calls {
		seen[call.Fault]++
	}
	for i, err := range errs {
		f := calls[i].Fault
		var ae smithy.APIError
		switch f {
		case "":
			if err != nil {
				t.Errorf("request %d: no fault but %v", i, err)
			}
		case FaultThrottle:
			if !errors.As(err, &ae) || ae.ErrorCode() != "Throttling" {
				t.Errorf("request %d: throttle gave %v", i, err)
			}
		case FaultError:
			if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" {
				t.Errorf("request %d: error gave %v", i, err)
			}
		case FaultReset, FaultTruncate:
			if err == nil || errors.As(err, &ae) {
				t.Errorf("request %d: %s gave %v", i, f, err)
			}
		}
	}
	for _, f := range []string{"", FaultThrottle, FaultError, FaultReset, FaultTruncate} {
		if seen[f] == 0 {
			t.Errorf("fault %q never fired in 80 requests: %v", f, seen)
		}
	}
}

func TestFaultsRetriedThrough(t *testing.T) {
	f, _ := ParseFaults("throttle=0.1,error=0.1,reset=0.05,truncate=0.05")
	s, url := startLab(t, Options{Faults: f, Seed: 7, NoQuotas: true})
	cfg := sdkConfig(url, s.Responder(), "us-west-2", true)
	// A truncated body fails deserialization with io.ErrUnexpectedEOF,
	// which the SDK's standard retryer does not retry by itself.
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 10
			o.RateLimiter = ratelimit.None
			o.Backoff = retry.NewExponentialJitterBackoff(50 * time.Millisecond)
			o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
				return aws.BoolTernary(errors.Is(err, io.ErrUnexpectedEOF))
			}))
		})
	}
	ct := cloudtrail.NewFromConfig(cfg)
	since, until := s.Scenario().Window()
	want := s.Scenario().EventIDs(ManagementAccount, "us-west-2", since, until)
	var got []string
	p := cloudtrail.NewLookupEventsPaginator(ct, &cloudtrail.LookupEventsInput{StartTime: &since, EndTime: &until})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Events {
			got = append(got, aws.ToString(e.EventId))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("through faults: %d events, want %d", len(got), len(want))
	}
	faults := 0
	for _, c := range s.Calls() {
		if c.Fault != "" {
			faults++
		}
	}
	if faults == 0 {
		t.Fatal("no faults fired")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func TestMutatingRefusedAndLogged(t *testing.T) {
	var log syncBuffer
	s, url := startLab(t, Options{NoQuotas: true, CallLog: &log})
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")
	br := bedrock.NewFromConfig(cfg)
	_, err := br.DeleteGuardrail(context.Background(), &bedrock.DeleteGuardrailInput{GuardrailIdentifier: aws.String(GuardrailSupportID)})
	wantCode(t, err, "AccessDeniedException")
	// The guardrail is still there.
	if _, err := br.GetGuardrail(context.Background(), &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String(GuardrailSupportID)}); err != nil {
		t.Fatal(err)
	}
	_, err = br.DeleteModelInvocationLoggingConfiguration(context.Background(), &bedrock.DeleteModelInvocationLoggingConfigurationInput{})
	wantCode(t, err, "AccessDeniedException")

	calls := s.Calls()
	var mutating []string
	for _, c := range calls {
		if c.Mutating {
			mutating = append(mutating, c.Operation)
			if c.Status != 403 || c.Account != ProdAccount || c.Region != "us-east-1" || c.Service != "bedrock" {
				t.Errorf("refused call logged as %+v", c)
			}
		}
	}
	if !slices.Equal(mutating, []string{"DeleteGuardrail", "DeleteModelInvocationLoggingConfiguration"}) {
		t.Fatalf("mutating calls = %v", mutating)
	}
	sc := bufio.NewScanner(bytes.NewReader(log.b.Bytes()))
	lines := 0
	for sc.Scan() {
		var c Call
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("call log line %q: %v", sc.Text(), err)
		}
		if c.Service == "" || c.Operation == "" || c.Time.IsZero() || c.Status == 0 {
			t.Fatalf("call log line lacks fields: %s", sc.Text())
		}
		lines++
	}
	if lines != len(calls) {
		t.Fatalf("call log has %d lines for %d calls", lines, len(calls))
	}
}
