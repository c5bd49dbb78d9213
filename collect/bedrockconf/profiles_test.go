package bedrockconf_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/bedrockconf"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

func labSource(l *labtest.Lab) *bedrockconf.Config {
	return &bedrockconf.Config{Client: func(t collect.Target) (bedrockconf.API, error) { return l.Bedrock(t), nil }}
}

// Every inference profile of every account and region, system-defined and
// application, is snapshot over the wire with the fields the scenario
// sets and the models it routes to; nothing else is.
func TestEveryInferenceProfile(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	sink := l.Run(t, labSource(l))
	got := map[string]*schemas.Resource{}
	for _, r := range sink.Kind(schemas.KindInferenceProfile) {
		if got[r.ARN] != nil {
			t.Errorf("inference profile %s snapshot twice", r.ARN)
		}
		got[r.ARN] = r
	}
	want, apps := 0, 0
	for _, acct := range sc.Accounts() {
		for _, region := range sc.Account(acct).Regions {
			for _, p := range region.InferenceProfiles {
				want++
				r := got[p.InferenceProfileArn]
				if r == nil {
					t.Errorf("inference profile %s not snapshot", p.InferenceProfileArn)
					continue
				}
				var n struct {
					Type        string   `json:"type"`
					Models      []string `json:"models"`
					Description string   `json:"description"`
				}
				if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
					t.Fatal(err)
				}
				var models []string
				for _, m := range p.Models {
					models = append(models, m.ModelArn)
				}
				if r.ID != p.InferenceProfileID || r.Name != p.InferenceProfileName || r.Status != p.Status || n.Type != p.Type ||
					n.Description != p.Description || !slices.Equal(n.Models, models) || !r.CreatedAt.Equal(*p.CreatedAt) ||
					!r.UpdatedAt.Equal(*p.UpdatedAt) || r.Operation != "GetInferenceProfile" {
					t.Errorf("inference profile %s = %+v %+v", p.InferenceProfileArn, r, n)
				}
				var body struct{ InferenceProfileArn string }
				if err := json.Unmarshal([]byte(r.Raw), &body); err != nil || body.InferenceProfileArn != p.InferenceProfileArn {
					t.Errorf("inference profile %s raw body %q", p.InferenceProfileArn, r.Raw)
				}
				if p.Type == "APPLICATION" {
					apps++
				}
			}
		}
	}
	if want == 0 || apps == 0 {
		t.Fatalf("the scenario holds %d inference profiles, %d application ones: the test proves little", want, apps)
	}
	if len(got) != want {
		t.Errorf("%d inference profiles snapshot, the lab holds %d", len(got), want)
	}
}

// Bedrock refusing inference profiles is a gap of that unit in each
// target, with AWS's cause; the rest of the configuration is collected.
func TestRefusedInferenceProfilesAreAGap(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.StartRefusing(t, sc, func(r *http.Request) bool { return r.URL.Path == "/inference-profiles" })
	sink := l.RunWithGaps(t, labSource(l))
	sink.CheckGaps(t, len(l.Targets), "AccessDeniedException", "inference-profiles")
	if len(sink.Kind(schemas.KindGuardrail)) == 0 || len(sink.Kind(schemas.KindInferenceProfile)) != 0 {
		t.Error("the refusal kept other configuration from being collected, or profiles were collected")
	}
}
