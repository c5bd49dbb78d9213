package bedrockagents_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// Every version of every managed prompt, the DRAFT included, every flow's
// draft, version and alias is snapshot over the wire with the fields the
// scenario sets; nothing else is.
func TestEveryPromptVersionAndFlowRoundTrips(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	sink := l.Run(t, source(l))
	prompts := byObject(sink, schemas.KindPrompt)
	flows := byObject(sink, schemas.KindFlow)
	versions := byObject(sink, schemas.KindFlowVersion)
	aliases := byObject(sink, schemas.KindFlowAlias)
	var nPrompts, nFlows, nVersions, nAliases int
	for _, acct := range sc.Accounts() {
		for _, region := range sc.Account(acct).Regions {
			for _, p := range region.Prompts {
				for _, v := range p.Versions {
					nPrompts++
					r := prompts[p.ARN+"|"+v.Version]
					if r == nil {
						t.Errorf("prompt %s version %s not snapshot", p.ARN, v.Version)
						continue
					}
					var variants []struct {
						Name, TemplateType, ModelId string
						TemplateConfiguration       struct{ Value struct{ Text string } }
					}
					field(t, r, "variants", &variants)
					var kms string
					field(t, r, "kms_key_arn", &kms)
					if r.ID != p.ID || r.Name != v.Name || !r.CreatedAt.Equal(v.CreatedAt) || !r.UpdatedAt.Equal(v.UpdatedAt) ||
						kms != v.CustomerEncryptionKeyArn || len(variants) != len(v.Variants) || variants[0].ModelId != v.Variants[0].ModelID ||
						variants[0].TemplateType != v.Variants[0].TemplateType || !strings.Contains(string(v.Variants[0].TemplateConfiguration), variants[0].TemplateConfiguration.Value.Text[:40]) {
						t.Errorf("prompt %s version %s = %+v, normalized %s", p.ARN, v.Version, r, r.Normalized)
					}
					// The raw body is the version asked for.
					if rawMember(t, r, "", "version") != v.Version || !strings.Contains(r.Raw, `"templateConfiguration"`) {
						t.Errorf("prompt %s version %s raw body %s", p.ARN, v.Version, r.Raw)
					}
				}
			}
			for _, f := range region.Flows {
				nFlows++
				r := flows[f.ARN+"|DRAFT"]
				var role string
				var def struct{ Nodes, Connections []any }
				if r != nil {
					field(t, r, "role_arn", &role)
					field(t, r, "definition", &def)
				}
				if r == nil || r.Name != f.Name || r.Status != f.Status || role != f.ExecutionRoleArn || !r.UpdatedAt.Equal(*f.UpdatedAt) ||
					len(def.Nodes) != len(f.Definition.Nodes) || len(def.Connections) != len(f.Definition.Connections) {
					t.Errorf("flow %s draft = %+v", f.ARN, r)
				}
				for _, v := range f.Versions {
					nVersions++
					r := versions[f.ARN+"|"+v.Version]
					if r == nil || r.ID != f.ID || r.Status != v.Status || !r.CreatedAt.Equal(v.CreatedAt) || rawMember(t, r, "", "version") != v.Version {
						t.Errorf("flow %s version %s = %+v", f.ARN, v.Version, r)
					}
				}
				for _, a := range f.Aliases {
					nAliases++
					r := aliases[a.ARN+"|"]
					var routing []struct{ FlowVersion string }
					if r != nil {
						field(t, r, "routing", &routing)
					}
					if r == nil || r.ID != a.ID || r.Name != a.Name || len(routing) != 1 || routing[0].FlowVersion != a.RoutingConfiguration[0].FlowVersion {
						t.Errorf("flow alias %s = %+v", a.ARN, r)
					}
				}
			}
		}
	}
	if nPrompts < 2 || nFlows == 0 || nVersions == 0 || nAliases == 0 {
		t.Fatal("the scenario lacks prompt versions, flows, flow versions or aliases: the test proves little")
	}
	for kind, n := range map[string]int{schemas.KindPrompt: nPrompts, schemas.KindFlow: nFlows, schemas.KindFlowVersion: nVersions, schemas.KindFlowAlias: nAliases} {
		if got := len(sink.Kind(kind)); got != n {
			t.Errorf("%d %s rows, the lab holds %d", got, kind, n)
		}
	}
}

// Refused prompt management is a gap of the prompts unit in each target,
// with AWS's cause; flows are still collected.
func TestRefusedPromptsAreAGap(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.StartRefusing(t, sc, func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/prompts/") })
	sink := l.RunWithGaps(t, source(l))
	sink.CheckGaps(t, len(l.Targets), "AccessDeniedException", "prompts")
	if len(sink.Kind(schemas.KindFlow)) == 0 || len(sink.Kind(schemas.KindPrompt)) != 0 {
		t.Error("the refusal kept flows from being collected, or prompts were collected")
	}
}
