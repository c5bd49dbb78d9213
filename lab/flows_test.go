package lab

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"
	"github.com/aws/smithy-go"
)

// Prompts with every version, flows with their versions and aliases, and
// inference profiles of both types reach the real clients with every
// member the lab sends, through listings paged one item at a time.
func TestRoundTripPromptsFlowsAndInferenceProfiles(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	ag := bedrockagent.NewFromConfig(cfg)
	r := builtin().Account(ProdAccount).Regions["us-east-1"]
	if len(r.Prompts) == 0 || len(r.Flows) == 0 || len(r.InferenceProfiles) == 0 {
		t.Fatal("the scenario holds no prompt, flow or inference profile: the test proves nothing")
	}
	one := aws.Int32(1)

	lp, err := ag.ListPrompts(ctx, &bedrockagent.ListPromptsInput{})
	if err != nil || len(lp.PromptSummaries) != len(r.Prompts) || aws.ToString(lp.PromptSummaries[0].Version) != "DRAFT" {
		t.Fatalf("ListPrompts = %+v, %v", lp, err)
	}
	arrived(t, "ListPrompts", rec.body(), lp)
	for _, p := range r.Prompts {
		var versions []string
		pp := bedrockagent.NewListPromptsPaginator(ag, &bedrockagent.ListPromptsInput{PromptIdentifier: aws.String(p.ID), MaxResults: one})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListPrompts", rec.body(), page)
			for _, v := range page.PromptSummaries {
				versions = append(versions, aws.ToString(v.Version))
			}
		}
		if len(versions) != len(p.Versions) {
			t.Fatalf("versions of prompt %s = %q", p.ID, versions)
		}
		for _, v := range versions {
			out, err := ag.GetPrompt(ctx, &bedrockagent.GetPromptInput{PromptIdentifier: aws.String(p.ARN), PromptVersion: aws.String(v)})
			if v == "DRAFT" {
				out, err = ag.GetPrompt(ctx, &bedrockagent.GetPromptInput{PromptIdentifier: aws.String(p.ID)})
			}
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "GetPrompt", rec.body(), out)
			tc, ok := out.Variants[0].TemplateConfiguration.(*types.PromptTemplateConfigurationMemberText)
			if aws.ToString(out.Version) != v || !ok || len(tc.Value.InputVariables) == 0 {
				t.Errorf("prompt %s version %s = %+v", p.ID, v, out)
			}
		}
	}

	for _, f := range r.Flows {
		lf, err := ag.ListFlows(ctx, &bedrockagent.ListFlowsInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListFlows", rec.body(), lf)
		gf, err := ag.GetFlow(ctx, &bedrockagent.GetFlowInput{FlowIdentifier: aws.String(f.ID)})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetFlow", rec.body(), gf)
		if len(gf.Definition.Nodes) != len(f.Definition.Nodes) {
			t.Errorf("flow %s nodes = %d", f.ID, len(gf.Definition.Nodes))
		}
		if pc, ok := gf.Definition.Nodes[1].Configuration.(*types.FlowNodeConfigurationMemberPrompt); !ok {
			t.Errorf("prompt node configuration = %T", gf.Definition.Nodes[1].Configuration)
		} else if res, ok := pc.Value.SourceConfiguration.(*types.PromptFlowNodeSourceConfigurationMemberResource); !ok || aws.ToString(res.Value.PromptArn) == "" {
			t.Errorf("prompt node source = %+v", pc.Value.SourceConfiguration)
		}
		var versions []string
		vp := bedrockagent.NewListFlowVersionsPaginator(ag, &bedrockagent.ListFlowVersionsInput{FlowIdentifier: aws.String(f.ID), MaxResults: one})
		for vp.HasMorePages() {
			page, err := vp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListFlowVersions", rec.body(), page)
			for _, v := range page.FlowVersionSummaries {
				versions = append(versions, aws.ToString(v.Version))
			}
		}
		if len(versions) != len(f.Versions)+1 {
			t.Fatalf("versions of flow %s = %q", f.ID, versions)
		}
		for _, v := range f.Versions {
			out, err := ag.GetFlowVersion(ctx, &bedrockagent.GetFlowVersionInput{FlowIdentifier: aws.String(f.ID), FlowVersion: aws.String(v.Version)})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "GetFlowVersion", rec.body(), out)
		}
		la, err := ag.ListFlowAliases(ctx, &bedrockagent.ListFlowAliasesInput{FlowIdentifier: aws.String(f.ARN)})
		if err != nil || len(la.FlowAliasSummaries) != len(f.Aliases) {
			t.Fatalf("ListFlowAliases = %+v, %v", la, err)
		}
		arrived(t, "ListFlowAliases", rec.body(), la)
		for _, a := range la.FlowAliasSummaries {
			out, err := ag.GetFlowAlias(ctx, &bedrockagent.GetFlowAliasInput{FlowIdentifier: aws.String(f.ID), AliasIdentifier: a.Arn})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "GetFlowAlias", rec.body(), out)
			if aws.ToString(out.RoutingConfiguration[0].FlowVersion) != f.Aliases[0].RoutingConfiguration[0].FlowVersion {
				t.Errorf("alias %s routing = %+v", aws.ToString(a.Id), out.RoutingConfiguration)
			}
		}
	}

	br := bedrock.NewFromConfig(cfg)
	n := 0
	for _, typ := range []bedrocktypes.InferenceProfileType{bedrocktypes.InferenceProfileTypeSystemDefined, bedrocktypes.InferenceProfileTypeApplication} {
		ip := bedrock.NewListInferenceProfilesPaginator(br, &bedrock.ListInferenceProfilesInput{TypeEquals: typ, MaxResults: one})
		for ip.HasMorePages() {
			page, err := ip.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListInferenceProfiles", rec.body(), page)
			for _, p := range page.InferenceProfileSummaries {
				n++
				if p.Type != typ {
					t.Errorf("%s listed as %s", aws.ToString(p.InferenceProfileId), typ)
				}
				out, err := br.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: p.InferenceProfileArn})
				if err != nil {
					t.Fatal(err)
				}
				arrived(t, "GetInferenceProfile", rec.body(), out)
			}
		}
	}
	if n != len(r.InferenceProfiles) {
		t.Errorf("%d inference profiles listed, the scenario holds %d", n, len(r.InferenceProfiles))
	}

	var ae smithy.APIError
	if _, err := ag.GetPrompt(ctx, &bedrockagent.GetPromptInput{PromptIdentifier: aws.String(r.Prompts[0].ID), PromptVersion: aws.String("9")}); !errors.As(err, &ae) || ae.ErrorCode() != "ResourceNotFoundException" {
		t.Errorf("absent prompt version: %v", err)
	}
	if _, err := ag.DeleteFlow(ctx, &bedrockagent.DeleteFlowInput{FlowIdentifier: aws.String(r.Flows[0].ID)}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("DeleteFlow: %v", err)
	}
}
