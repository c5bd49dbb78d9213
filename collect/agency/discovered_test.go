package agency_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/agency"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
)

// Without roles given, exactly the execution roles the Bedrock estate runs
// as are read, over the wire, each once, with the trust, inline and
// attached policies the scenario gives them.
func TestDiscoveredExecutionRoles(t *testing.T) {
	for _, before := range []bool{false, true} {
		sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: before})
		l := labtest.Start(t, sc)
		sink := l.Run(t, &agency.Roles{
			Client: func(t collect.Target) (agency.API, error) { return agency.NewClient(l.Session.Config(t)), nil },
			Estate: l.Estate(),
		})
		// The roles the scenario's agents, knowledge bases, customization
		// jobs, action-group functions, logging configuration and SageMaker
		// models name.
		want := map[string]bool{}
		for _, acct := range sc.Accounts() {
			for _, r := range sc.Account(acct).Regions {
				fns := map[string]string{}
				for _, f := range r.Functions {
					fns[f.FunctionARN] = f.Role
				}
				for _, a := range r.Agents {
					want[a.AgentResourceRoleARN] = true
					for _, v := range a.Versions {
						want[v.AgentResourceRoleARN] = true
					}
					for _, g := range a.ActionGroups {
						if g.ActionGroupExecutor != nil && fns[g.ActionGroupExecutor.Lambda] != "" {
							want[fns[g.ActionGroupExecutor.Lambda]] = true
						}
					}
				}
				for _, kb := range r.KnowledgeBases {
					want[kb.RoleARN] = true
				}
				for _, j := range r.CustomizationJobs {
					want[j.RoleARN] = true
				}
				if r.LoggingConfig != nil && r.LoggingConfig.CloudWatchConfig != nil {
					want[r.LoggingConfig.CloudWatchConfig.RoleARN] = true
				}
				for _, m := range r.SageMakerModels {
					want[m.ExecutionRoleArn] = true
				}
			}
		}
		if len(want) < 3 {
			t.Fatalf("before=%v: the scenario names %d execution roles: the test proves little", before, len(want))
		}
		var got []string
		for _, row := range sink.Resources {
			got = append(got, row.ARN)
			if !want[row.ARN] {
				t.Errorf("before=%v: role %s read, but nothing runs as it", before, row.ARN)
				continue
			}
			role := findRole(sc, row.ARN)
			var snap struct {
				TrustPolicy any               `json:"trust_policy"`
				Inline      map[string]any    `json:"inline_policies"`
				Attached    map[string]any    `json:"attached_policies"`
				Versions    map[string]string `json:"attached_policy_versions"`
			}
			if err := json.Unmarshal([]byte(row.Normalized), &snap); err != nil {
				t.Fatal(err)
			}
			var trust any
			_ = json.Unmarshal([]byte(role.AssumeRolePolicyDocument), &trust)
			if !reflect.DeepEqual(snap.TrustPolicy, trust) {
				t.Errorf("role %s trust policy = %v, want %v", row.ARN, snap.TrustPolicy, trust)
			}
			if len(snap.Inline) != len(role.InlinePolicies) {
				t.Errorf("role %s: %d inline policies, want %d", row.ARN, len(snap.Inline), len(role.InlinePolicies))
			}
			for name, doc := range role.InlinePolicies {
				var w any
				_ = json.Unmarshal([]byte(doc), &w)
				if !reflect.DeepEqual(snap.Inline[name], w) {
					t.Errorf("role %s inline policy %s = %v, want %v", row.ARN, name, snap.Inline[name], w)
				}
			}
			for _, arn := range role.AttachedPolicies {
				if snap.Attached[arn] == nil || snap.Versions[arn] == "" {
					t.Errorf("role %s: attached policy %s not read", row.ARN, arn)
				}
			}
			if row.Raw == "" || row.Name != role.RoleName {
				t.Errorf("role %s: name %q, raw %d bytes", row.ARN, row.Name, len(row.Raw))
			}
		}
		slices.Sort(got)
		if len(got) != len(want) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("before=%v: read roles %q, want each of %d once", before, got, len(want))
		}
	}
}

func findRole(sc *lab.Scenario, arn string) *lab.Role {
	for _, acct := range sc.Accounts() {
		for _, r := range sc.Account(acct).IAM.Roles {
			if r.ARN == arn {
				return r
			}
		}
	}
	return &lab.Role{}
}
