package bedrockconf_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/bedrockconf"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

type memSink struct {
	mu   sync.Mutex
	rows []*schemas.Resource
	gaps []collect.Gap
}

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := e.Row.(*schemas.Resource); ok {
		s.rows = append(s.rows, r)
	}
	return nil
}

func (s *memSink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

// collectFrom snapshots Bedrock configuration from every account and region
// of a lab scenario, over HTTP through the real SDK client.
func collectFrom(t *testing.T, sc *lab.Scenario) *memSink {
	t.Helper()
	srv, err := lab.New(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx := context.Background()
	r := srv.Responder()
	sess, err := collect.NewSession(ctx, collect.SessionOptions{EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, Case: "t"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sess.Resolve(ctx, collect.TargetOptions{Org: true, Regions: sc.Regions()})
	if err != nil {
		t.Fatal(err)
	}
	src := &bedrockconf.Config{Client: func(t collect.Target) (bedrockconf.API, error) {
		return bedrock.NewFromConfig(sess.Config(t), func(o *bedrock.Options) {
			o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
		}), nil
	}}
	sink := &memSink{}
	if _, err := collect.Run(ctx, res.Targets, []collect.Source{src}, sink, collect.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(sink.gaps) > 0 {
		t.Fatalf("gaps: %+v", sink.gaps)
	}
	return sink
}

func TestEveryGuardrailVersionAndLoggingConfig(t *testing.T) {
	for _, before := range []bool{false, true} {
		sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: before})
		sink := collectFrom(t, sc)
		got := map[string]*schemas.Resource{}
		logging := map[string]string{}
		for _, r := range sink.rows {
			switch r.Kind {
			case schemas.KindGuardrail:
				got[r.ID+":"+r.Version] = r
			case schemas.KindLoggingConfig:
				logging[r.ARN] = r.Status
			}
		}
		want := 0
		for _, acct := range sc.Accounts() {
			for name, region := range sc.Account(acct).Regions {
				for _, g := range region.Guardrails {
					for _, v := range g.Versions {
						want++
						r := got[g.ID+":"+v.Version]
						if r == nil {
							t.Errorf("before=%v: guardrail %s version %s not collected", before, g.ID, v.Version)
							continue
						}
						if r.Name != v.Name || r.Status != v.Status || !r.CreatedAt.Equal(v.CreatedAt) {
							t.Errorf("guardrail %s:%s = %s/%s/%s, want %s/%s/%s", g.ID, v.Version, r.Name, r.Status, r.CreatedAt, v.Name, v.Status, v.CreatedAt)
						}
						// The raw body is AWS's, and decodes to the version served.
						var raw struct {
							Version string `json:"version"`
						}
						if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil || raw.Version != v.Version {
							t.Errorf("guardrail %s:%s raw body %q (%v)", g.ID, v.Version, r.Raw, err)
						}
						if v.ContentPolicy != nil && len(v.ContentPolicy.Filters) > 0 {
							var n struct {
								ContentPolicy struct {
									Filters []struct{ Type, InputStrength string }
								} `json:"content_policy"`
							}
							if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil || len(n.ContentPolicy.Filters) != len(v.ContentPolicy.Filters) {
								t.Errorf("guardrail %s:%s normalized content filters = %d, want %d (%v)", g.ID, v.Version, len(n.ContentPolicy.Filters), len(v.ContentPolicy.Filters), err)
							}
						}
					}
				}
				arn := "arn:aws:bedrock:" + name + ":" + acct + ":model-invocation-logging"
				wantStatus := "absent"
				if region.LoggingConfig != nil {
					wantStatus = "present"
				}
				if logging[arn] != wantStatus {
					t.Errorf("before=%v: %s logging = %q, want %q", before, arn, logging[arn], wantStatus)
				}
			}
		}
		if want == 0 {
			t.Fatal("the scenario holds no guardrail: the test proves nothing")
		}
		if len(got) != want {
			t.Errorf("before=%v: collected %d guardrail versions, scenario has %d", before, len(got), want)
		}
	}
}
