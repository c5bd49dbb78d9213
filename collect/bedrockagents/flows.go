package bedrockagents

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"

	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// FlowsAPI is the part of the Agents for Amazon Bedrock client that
// describes prompt management and flows.
type FlowsAPI interface {
	bedrockagent.ListPromptsAPIClient
	bedrockagent.ListFlowsAPIClient
	bedrockagent.ListFlowVersionsAPIClient
	bedrockagent.ListFlowAliasesAPIClient
	GetPrompt(ctx context.Context, in *bedrockagent.GetPromptInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetPromptOutput, error)
	GetFlow(ctx context.Context, in *bedrockagent.GetFlowInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetFlowOutput, error)
	GetFlowVersion(ctx context.Context, in *bedrockagent.GetFlowVersionInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetFlowVersionOutput, error)
	GetFlowAlias(ctx context.Context, in *bedrockagent.GetFlowAliasInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetFlowAliasOutput, error)
}

// prompts snapshots every version of every managed prompt, the DRAFT
// included: its templates, the model and inference settings each variant
// is sent with. Rows are named by the prompt's ARN and the version.
func (s *snap) prompts(ctx context.Context) error {
	type prompt struct{ id, arn string }
	var prompts []prompt
	p := bedrockagent.NewListPromptsPaginator(s.api, &bedrockagent.ListPromptsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list prompts %s/%s: %w", s.u.Target.Account, s.u.Target.Region, err)
		}
		for _, x := range page.PromptSummaries {
			prompts = append(prompts, prompt{aws.ToString(x.Id), aws.ToString(x.Arn)})
		}
	}
	for _, pr := range prompts {
		versions := []string{"DRAFT"}
		vp := bedrockagent.NewListPromptsPaginator(s.api, &bedrockagent.ListPromptsInput{PromptIdentifier: aws.String(pr.id)})
		for vp.HasMorePages() {
			page, err := vp.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("bedrockagents: list versions of prompt %s: %w", pr.id, err)
			}
			for _, x := range page.PromptSummaries {
				if v := aws.ToString(x.Version); v != "" && v != "DRAFT" {
					versions = append(versions, v)
				}
			}
		}
		for _, v := range versions {
			in := &bedrockagent.GetPromptInput{PromptIdentifier: aws.String(pr.id)}
			if v != "DRAFT" {
				in.PromptVersion = aws.String(v)
			}
			out, err := s.api.GetPrompt(ctx, in)
			if err != nil {
				return fmt.Errorf("bedrockagents: get prompt %s version %s: %w", pr.id, v, err)
			}
			row := &schemas.Resource{
				Kind: schemas.KindPrompt, ARN: pr.arn, ID: pr.id, Version: aws.ToString(out.Version), Name: aws.ToString(out.Name),
				CreatedAt: aws.ToTime(out.CreatedAt).UTC(), UpdatedAt: aws.ToTime(out.UpdatedAt).UTC(),
			}
			norm := map[string]any{
				"description": out.Description, "default_variant": out.DefaultVariant, "variants": out.Variants,
				"kms_key_arn": out.CustomerEncryptionKeyArn, "version_arn": out.Arn,
			}
			if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetPrompt", Metadata: out.ResultMetadata}); err != nil {
				return err
			}
		}
	}
	return nil
}

// flows snapshots every flow: its working draft, each numbered version
// and each alias, with the definition (nodes, connections) and the role
// the flow runs as.
func (s *snap) flows(ctx context.Context) error {
	var ids []string
	p := bedrockagent.NewListFlowsPaginator(s.api, &bedrockagent.ListFlowsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list flows %s/%s: %w", s.u.Target.Account, s.u.Target.Region, err)
		}
		for _, f := range page.FlowSummaries {
			ids = append(ids, aws.ToString(f.Id))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetFlow(ctx, &bedrockagent.GetFlowInput{FlowIdentifier: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get flow %s: %w", id, err)
		}
		row := &schemas.Resource{
			Kind: schemas.KindFlow, ARN: aws.ToString(out.Arn), ID: id, Version: aws.ToString(out.Version), Name: aws.ToString(out.Name),
			Status: string(out.Status), CreatedAt: aws.ToTime(out.CreatedAt).UTC(), UpdatedAt: aws.ToTime(out.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"role_arn": out.ExecutionRoleArn, "description": out.Description, "definition": out.Definition,
			"kms_key_arn": out.CustomerEncryptionKeyArn, "validations": out.Validations,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetFlow", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
		if err := s.flowVersions(ctx, id); err != nil {
			return err
		}
		if err := s.flowAliases(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) flowVersions(ctx context.Context, flow string) error {
	var versions []string
	p := bedrockagent.NewListFlowVersionsPaginator(s.api, &bedrockagent.ListFlowVersionsInput{FlowIdentifier: aws.String(flow)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list versions of flow %s: %w", flow, err)
		}
		for _, v := range page.FlowVersionSummaries {
			if n := aws.ToString(v.Version); n != "" && n != "DRAFT" {
				versions = append(versions, n)
			}
		}
	}
	for _, v := range versions {
		out, err := s.api.GetFlowVersion(ctx, &bedrockagent.GetFlowVersionInput{FlowIdentifier: aws.String(flow), FlowVersion: aws.String(v)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get flow %s version %s: %w", flow, v, err)
		}
		row := &schemas.Resource{
			Kind: schemas.KindFlowVersion, ARN: aws.ToString(out.Arn), ID: flow, Version: aws.ToString(out.Version), Name: aws.ToString(out.Name),
			Status: string(out.Status), CreatedAt: aws.ToTime(out.CreatedAt).UTC(),
		}
		norm := map[string]any{
			"role_arn": out.ExecutionRoleArn, "description": out.Description, "definition": out.Definition,
			"kms_key_arn": out.CustomerEncryptionKeyArn,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetFlowVersion", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) flowAliases(ctx context.Context, flow string) error {
	var ids []string
	p := bedrockagent.NewListFlowAliasesPaginator(s.api, &bedrockagent.ListFlowAliasesInput{FlowIdentifier: aws.String(flow)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list aliases of flow %s: %w", flow, err)
		}
		for _, a := range page.FlowAliasSummaries {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetFlowAlias(ctx, &bedrockagent.GetFlowAliasInput{FlowIdentifier: aws.String(flow), AliasIdentifier: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get alias %s of flow %s: %w", id, flow, err)
		}
		row := &schemas.Resource{
			Kind: schemas.KindFlowAlias, ARN: aws.ToString(out.Arn), ID: id, Name: aws.ToString(out.Name),
			CreatedAt: aws.ToTime(out.CreatedAt).UTC(), UpdatedAt: aws.ToTime(out.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"flow_id": out.FlowId, "description": out.Description, "routing": out.RoutingConfiguration,
			"concurrency": out.ConcurrencyConfiguration,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetFlowAlias", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}
