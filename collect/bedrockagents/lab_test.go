package bedrockagents_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"reflect"
	"slices"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/bedrockagents"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

func source(l *labtest.Lab) *bedrockagents.Agents {
	return &bedrockagents.Agents{
		Client: func(t collect.Target) (bedrockagents.API, error) { return l.Agents(t), nil },
		Lambda: func(t collect.Target) (bedrockagents.LambdaAPI, error) { return l.Lambda(t), nil },
		Estate: l.Estate(),
	}
}

// byObject indexes resources of a kind by ARN and version.
func byObject(sink *labtest.Sink, kind string) map[string]*schemas.Resource {
	out := map[string]*schemas.Resource{}
	for _, r := range sink.Kind(kind) {
		out[r.ARN+"|"+r.Version] = r
	}
	return out
}

// field decodes one member of a row's normalized JSON; an absent member
// leaves into as it is.
func field(t *testing.T, r *schemas.Resource, name string, into any) {
	t.Helper()
	var n map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
		t.Fatalf("%s %s: normalized %q: %v", r.Kind, r.ARN, r.Normalized, err)
	}
	if _, ok := n[name]; !ok {
		return
	}
	if err := json.Unmarshal(n[name], into); err != nil {
		t.Fatalf("%s %s: normalized %s = %s: %v", r.Kind, r.ARN, name, n[name], err)
	}
}

// rawMember decodes one member of a row's raw body, under an optional
// wrapper member.
func rawMember(t *testing.T, r *schemas.Resource, wrapper, name string) string {
	t.Helper()
	var body map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Raw), &body); err != nil {
		t.Fatalf("%s %s: raw body %q: %v", r.Kind, r.ARN, r.Raw, err)
	}
	if wrapper != "" {
		if err := json.Unmarshal(body[wrapper], &body); err != nil {
			t.Fatalf("%s %s: raw body has no %s: %v", r.Kind, r.ARN, wrapper, err)
		}
	}
	var s string
	_ = json.Unmarshal(body[name], &s)
	return s
}

// Every agent, version, alias, action group, knowledge-base association,
// knowledge base, data source, ingestion job and action-group function the
// scenario defines is snapshot with the fields the scenario sets, over the
// wire, before and after the incident.
func TestEveryAgentAndKnowledgeBaseRoundTrips(t *testing.T) {
	for _, before := range []bool{false, true} {
		sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: before})
		l := labtest.Start(t, sc)
		sink := l.Run(t, source(l))
		agents := byObject(sink, schemas.KindAgent)
		versions := byObject(sink, schemas.KindAgentVersion)
		aliases := byObject(sink, schemas.KindAgentAlias)
		groups := byObject(sink, schemas.KindActionGroup)
		assocs := byObject(sink, schemas.KindAgentKnowledgeBase)
		kbs := byObject(sink, schemas.KindKnowledgeBase)
		sources := byObject(sink, schemas.KindDataSource)
		jobs := byObject(sink, schemas.KindIngestionJob)
		functions := byObject(sink, schemas.KindLambdaFunction)
		policies := byObject(sink, schemas.KindLambdaPolicy)
		var want struct{ agents, versions, aliases, groups, assocs, kbs, sources, jobs, functions int }
		for _, acct := range sc.Accounts() {
			for _, region := range sc.Account(acct).Regions {
				fns := map[string]*lab.Function{}
				for _, f := range region.Functions {
					fns[f.FunctionARN] = f
				}
				for _, a := range region.Agents {
					want.agents++
					r := agents[a.AgentARN+"|DRAFT"]
					if r == nil {
						t.Errorf("before=%v: agent %s not snapshot", before, a.AgentID)
						continue
					}
					var role string
					field(t, r, "role_arn", &role)
					if r.ID != a.AgentID || r.Name != a.AgentName || r.Status != a.AgentStatus || !r.CreatedAt.Equal(a.CreatedAt) || !r.UpdatedAt.Equal(a.UpdatedAt) || role != a.AgentResourceRoleARN {
						t.Errorf("agent %s = %+v, role %s", a.AgentID, r, role)
					}
					if got := rawMember(t, r, "agent", "instruction"); got != a.Instruction {
						t.Errorf("agent %s raw instruction = %q, want %q", a.AgentID, got, a.Instruction)
					}
					for _, v := range a.Versions {
						want.versions++
						r := versions[a.AgentARN+"|"+v.Version]
						if r == nil {
							t.Errorf("agent %s version %s not snapshot", a.AgentID, v.Version)
							continue
						}
						var model string
						field(t, r, "foundation_model", &model)
						if r.Status != v.AgentStatus || !r.CreatedAt.Equal(v.CreatedAt) || model != v.FoundationModel {
							t.Errorf("agent %s version %s = %+v", a.AgentID, v.Version, r)
						}
					}
					for _, al := range a.Aliases {
						want.aliases++
						r := aliases[al.AgentAliasARN+"|"]
						if r == nil {
							t.Errorf("alias %s not snapshot", al.AgentAliasARN)
							continue
						}
						var routes []string
						field(t, r, "routes_to_versions", &routes)
						var wantRoutes []string
						for _, x := range al.RoutingConfiguration {
							wantRoutes = append(wantRoutes, x.AgentVersion)
						}
						if r.Name != al.AgentAliasName || r.Status != al.AgentAliasStatus || !slices.Equal(routes, wantRoutes) {
							t.Errorf("alias %s = %+v, routes %q", al.AgentAliasARN, r, routes)
						}
					}
					for _, g := range a.ActionGroups {
						want.groups++
						r := groups[a.AgentARN+"/version/"+g.AgentVersion+"/action-group/"+g.ActionGroupID+"|"+g.AgentVersion]
						if r == nil {
							t.Errorf("action group %s of %s version %s not snapshot", g.ActionGroupID, a.AgentID, g.AgentVersion)
							continue
						}
						var lambda, control string
						field(t, r, "lambda", &lambda)
						field(t, r, "custom_control", &control)
						if r.Name != g.ActionGroupName || r.Status != g.ActionGroupState || lambda != g.ActionGroupExecutor.Lambda || control != g.ActionGroupExecutor.CustomControl {
							t.Errorf("action group %s version %s = %+v (lambda %q, control %q)", g.ActionGroupID, g.AgentVersion, r, lambda, control)
						}
						if g.FunctionSchema != nil {
							var fs []struct{ Name string }
							field(t, r, "functions", &fs)
							if len(fs) != len(g.FunctionSchema.Functions) || fs[0].Name != g.FunctionSchema.Functions[0].Name {
								t.Errorf("action group %s version %s functions = %+v", g.ActionGroupID, g.AgentVersion, fs)
							}
						}
						if f := fns[g.ActionGroupExecutor.Lambda]; f != nil && functions[f.FunctionARN+"|$LATEST"] == nil {
							t.Errorf("function %s of action group %s not snapshot", f.FunctionARN, g.ActionGroupID)
						}
					}
					for _, k := range a.KnowledgeBases {
						want.assocs++
						r := assocs[a.AgentARN+"/version/"+k.AgentVersion+"/knowledge-base/"+k.KnowledgeBaseID+"|"+k.AgentVersion]
						if r == nil || r.Status != k.KnowledgeBaseState {
							t.Errorf("knowledge base %s of agent %s version %s = %+v", k.KnowledgeBaseID, a.AgentID, k.AgentVersion, r)
						}
					}
				}
				for _, kb := range region.KnowledgeBases {
					want.kbs++
					r := kbs[kb.KnowledgeBaseARN+"|"]
					if r == nil {
						t.Errorf("knowledge base %s not snapshot", kb.KnowledgeBaseID)
						continue
					}
					var role string
					field(t, r, "role_arn", &role)
					if r.Name != kb.Name || r.Status != kb.Status || !r.CreatedAt.Equal(kb.CreatedAt) || role != kb.RoleARN {
						t.Errorf("knowledge base %s = %+v", kb.KnowledgeBaseID, r)
					}
					for _, ds := range kb.DataSources {
						want.sources++
						dsARN := kb.KnowledgeBaseARN + "/data-source/" + ds.DataSourceID
						r := sources[dsARN+"|"]
						if r == nil {
							t.Errorf("data source %s not snapshot", ds.DataSourceID)
							continue
						}
						var bucket string
						var prefixes []string
						field(t, r, "bucket_arn", &bucket)
						field(t, r, "inclusion_prefixes", &prefixes)
						s3c := ds.DataSourceConfiguration.S3Configuration
						if r.Name != ds.Name || r.Status != ds.Status || bucket != s3c.BucketARN || !slices.Equal(prefixes, s3c.InclusionPrefixes) {
							t.Errorf("data source %s = %+v, bucket %s, prefixes %q", ds.DataSourceID, r, bucket, prefixes)
						}
					}
					for _, j := range kb.IngestionJobs {
						want.jobs++
						r := jobs[kb.KnowledgeBaseARN+"/data-source/"+j.DataSourceID+"/ingestion-job/"+j.IngestionJobID+"|"]
						if r == nil {
							t.Errorf("ingestion job %s not snapshot", j.IngestionJobID)
							continue
						}
						var stats lab.IngestionJobStatistics
						field(t, r, "statistics", &stats)
						if r.Status != j.Status || !r.CreatedAt.Equal(j.StartedAt) || !r.UpdatedAt.Equal(j.UpdatedAt) || !reflect.DeepEqual(&stats, j.Statistics) {
							t.Errorf("ingestion job %s = %+v, statistics %+v, want %+v", j.IngestionJobID, r, stats, j.Statistics)
						}
					}
				}
				for _, f := range region.Functions {
					r := functions[f.FunctionARN+"|$LATEST"]
					if r == nil {
						continue // not behind an action group
					}
					want.functions++
					checkFunction(t, sink, f, r, policies[f.FunctionARN+"|"])
				}
			}
		}
		if want.agents == 0 || want.groups == 0 || want.kbs == 0 || want.jobs == 0 || want.functions == 0 {
			t.Fatalf("the scenario lacks something to snapshot: %+v", want)
		}
		for kind, n := range map[string]int{
			schemas.KindAgent: want.agents, schemas.KindAgentVersion: want.versions, schemas.KindAgentAlias: want.aliases,
			schemas.KindActionGroup: want.groups, schemas.KindAgentKnowledgeBase: want.assocs, schemas.KindKnowledgeBase: want.kbs,
			schemas.KindDataSource: want.sources, schemas.KindIngestionJob: want.jobs, schemas.KindLambdaFunction: want.functions,
			schemas.KindLambdaCode: want.functions,
		} {
			if got := len(sink.Kind(kind)); got != n {
				t.Errorf("before=%v: %d %s rows, scenario has %d", before, got, kind, n)
			}
		}
	}
}

// checkFunction compares a function's snapshot, its policy and its
// deployment package with the scenario.
func checkFunction(t *testing.T, sink *labtest.Sink, f *lab.Function, r, policy *schemas.Resource) {
	t.Helper()
	var role, sha string
	field(t, r, "role_arn", &role)
	field(t, r, "code_sha256", &sha)
	if role != f.Role || r.Name != f.FunctionName || rawMember(t, r, "Configuration", "Handler") != f.Handler {
		t.Errorf("function %s = %+v, role %s", f.FunctionName, r, role)
	}
	if f.Policy != "" {
		var got, want any
		if policy == nil {
			t.Errorf("function %s: resource policy not snapshot", f.FunctionName)
		} else {
			field(t, policy, "policy", &got)
			_ = json.Unmarshal([]byte(f.Policy), &want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("function %s policy = %v, want %v", f.FunctionName, got, want)
			}
		}
	}
	var code *schemas.Resource
	for _, c := range sink.Kind(schemas.KindLambdaCode) {
		if c.ARN == f.FunctionARN {
			code = c
		}
	}
	if code == nil || code.BlobSHA256 == nil {
		t.Fatalf("function %s: deployment package not preserved: %+v", f.FunctionName, code)
	}
	zipped := sink.Blobs[*code.BlobSHA256]
	sum := sha256.Sum256(zipped)
	if base64.StdEncoding.EncodeToString(sum[:]) != sha || code.Version != sha {
		t.Errorf("function %s: package sha256 %x, CodeSha256 %s", f.FunctionName, sum, sha)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatalf("function %s: package is not a zip: %v", f.FunctionName, err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != f.Code[zf.Name] {
			t.Errorf("function %s: %s in the package differs from the scenario's", f.FunctionName, zf.Name)
		}
	}
	if len(zr.File) != len(f.Code) {
		t.Errorf("function %s: package holds %d files, scenario %d", f.FunctionName, len(zr.File), len(f.Code))
	}
}
