package lab

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	batypes "github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
)

func TestRoundTripBedrockAgent(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := bedrockagent.NewFromConfig(cfg)
	data := s.Scenario().region(ProdAccount, "us-east-1")

	la, err := cl.ListAgents(ctx, &bedrockagent.ListAgentsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListAgents", rec.body(), la)
	if len(la.AgentSummaries) != len(data.Agents) {
		t.Fatalf("agents = %d", len(la.AgentSummaries))
	}
	for _, a := range data.Agents {
		id := aws.String(a.AgentID)
		ga, err := cl.GetAgent(ctx, &bedrockagent.GetAgentInput{AgentId: id})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetAgent", rec.body(), ga)
		if aws.ToString(ga.Agent.AgentResourceRoleArn) != a.AgentResourceRoleARN || aws.ToString(ga.Agent.Instruction) != a.Instruction {
			t.Fatalf("agent = %+v", ga.Agent)
		}
		lv, err := cl.ListAgentVersions(ctx, &bedrockagent.ListAgentVersionsInput{AgentId: id})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListAgentVersions", rec.body(), lv)
		if len(lv.AgentVersionSummaries) != len(a.Versions)+1 {
			t.Fatalf("versions = %d", len(lv.AgentVersionSummaries))
		}
		for _, v := range lv.AgentVersionSummaries {
			ver := v.AgentVersion
			if aws.ToString(ver) != "DRAFT" {
				gv, err := cl.GetAgentVersion(ctx, &bedrockagent.GetAgentVersionInput{AgentId: id, AgentVersion: ver})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "GetAgentVersion", rec.body(), gv)
			}
			lg, err := cl.ListAgentActionGroups(ctx, &bedrockagent.ListAgentActionGroupsInput{AgentId: id, AgentVersion: ver})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListAgentActionGroups", rec.body(), lg)
			if len(lg.ActionGroupSummaries) != 2 {
				t.Fatalf("action groups of %s = %d", aws.ToString(ver), len(lg.ActionGroupSummaries))
			}
			for _, g := range lg.ActionGroupSummaries {
				gg, err := cl.GetAgentActionGroup(ctx, &bedrockagent.GetAgentActionGroupInput{AgentId: id, AgentVersion: ver, ActionGroupId: g.ActionGroupId})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "GetAgentActionGroup", rec.body(), gg)
				if aws.ToString(g.ActionGroupName) == "notify-customer" {
					ex, ok := gg.AgentActionGroup.ActionGroupExecutor.(*batypes.ActionGroupExecutorMemberLambda)
					if !ok || ex.Value == "" {
						t.Fatalf("executor = %#v", gg.AgentActionGroup.ActionGroupExecutor)
					}
					fs, ok := gg.AgentActionGroup.FunctionSchema.(*batypes.FunctionSchemaMemberFunctions)
					if !ok || len(fs.Value) != 1 || len(fs.Value[0].Parameters) != 3 {
						t.Fatalf("function schema = %#v", gg.AgentActionGroup.FunctionSchema)
					}
				}
			}
			lk, err := cl.ListAgentKnowledgeBases(ctx, &bedrockagent.ListAgentKnowledgeBasesInput{AgentId: id, AgentVersion: ver})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListAgentKnowledgeBases", rec.body(), lk)
			for _, k := range lk.AgentKnowledgeBaseSummaries {
				gk, err := cl.GetAgentKnowledgeBase(ctx, &bedrockagent.GetAgentKnowledgeBaseInput{AgentId: id, AgentVersion: ver, KnowledgeBaseId: k.KnowledgeBaseId})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "GetAgentKnowledgeBase", rec.body(), gk)
			}
			lc, err := cl.ListAgentCollaborators(ctx, &bedrockagent.ListAgentCollaboratorsInput{AgentId: id, AgentVersion: ver})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListAgentCollaborators", rec.body(), lc)
		}
		lal, err := cl.ListAgentAliases(ctx, &bedrockagent.ListAgentAliasesInput{AgentId: id})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListAgentAliases", rec.body(), lal)
		for _, al := range lal.AgentAliasSummaries {
			gal, err := cl.GetAgentAlias(ctx, &bedrockagent.GetAgentAliasInput{AgentId: id, AgentAliasId: al.AgentAliasId})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "GetAgentAlias", rec.body(), gal)
		}
	}

	lk, err := cl.ListKnowledgeBases(ctx, &bedrockagent.ListKnowledgeBasesInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListKnowledgeBases", rec.body(), lk)
	for _, k := range lk.KnowledgeBaseSummaries {
		gk, err := cl.GetKnowledgeBase(ctx, &bedrockagent.GetKnowledgeBaseInput{KnowledgeBaseId: k.KnowledgeBaseId})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetKnowledgeBase", rec.body(), gk)
		ld, err := cl.ListDataSources(ctx, &bedrockagent.ListDataSourcesInput{KnowledgeBaseId: k.KnowledgeBaseId})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListDataSources", rec.body(), ld)
		for _, d := range ld.DataSourceSummaries {
			gd, err := cl.GetDataSource(ctx, &bedrockagent.GetDataSourceInput{KnowledgeBaseId: k.KnowledgeBaseId, DataSourceId: d.DataSourceId})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "GetDataSource", rec.body(), gd)
			var jobs []batypes.IngestionJobSummary
			p := bedrockagent.NewListIngestionJobsPaginator(cl, &bedrockagent.ListIngestionJobsInput{KnowledgeBaseId: k.KnowledgeBaseId, DataSourceId: d.DataSourceId, MaxResults: aws.Int32(2)})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "ListIngestionJobs", rec.body(), out)
				jobs = append(jobs, out.IngestionJobSummaries...)
			}
			if len(jobs) != 4 {
				t.Fatalf("ingestion jobs = %d, want 4 (3 before the attack, 1 by it)", len(jobs))
			}
			for _, j := range jobs {
				gj, err := cl.GetIngestionJob(ctx, &bedrockagent.GetIngestionJobInput{KnowledgeBaseId: k.KnowledgeBaseId, DataSourceId: d.DataSourceId, IngestionJobId: j.IngestionJobId})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "GetIngestionJob", rec.body(), gj)
			}
		}
	}
	_, err = cl.StartIngestionJob(ctx, &bedrockagent.StartIngestionJobInput{KnowledgeBaseId: aws.String(KnowledgeBaseID), DataSourceId: aws.String(DataSourceID)})
	wantCode(t, err, "AccessDeniedException")
	_, err = cl.GetAgent(ctx, &bedrockagent.GetAgentInput{AgentId: aws.String("NOSUCHAGNT")})
	wantCode(t, err, "ResourceNotFoundException")
}
