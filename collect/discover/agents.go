package discover

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"

	"github.com/custodyhq/custody/collect"
)

// ActionGroupARN names an action group under its agent's ARN and version:
// AWS gives action groups no ARN of their own.
func ActionGroupARN(agentARN, version, id string) string {
	return agentARN + "/version/" + version + "/action-group/" + id
}

// agents finds, for every version of every agent (the draft included), the
// role it runs as, the Lambda functions its action groups invoke, and the
// S3 objects holding their OpenAPI schemas.
func agents(ctx context.Context, api AgentsAPI, t collect.Target, f *Found) error {
	var ids []string
	p := bedrockagent.NewListAgentsPaginator(api, &bedrockagent.ListAgentsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list agents %s/%s: %w", t.Account, t.Region, err)
		}
		for _, a := range page.AgentSummaries {
			ids = append(ids, aws.ToString(a.AgentId))
		}
	}
	for _, id := range ids {
		out, err := api.GetAgent(ctx, &bedrockagent.GetAgentInput{AgentId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("discover: get agent %s: %w", id, err)
		}
		agentARN := fmt.Sprintf("arn:aws:bedrock:%s:%s:agent/%s", t.Region, t.Account, id)
		if a := out.Agent; a != nil {
			agentARN = aws.ToString(a.AgentArn)
			if r := aws.ToString(a.AgentResourceRoleArn); r != "" {
				f.Roles = append(f.Roles, Role{ARN: r, LedBy: agentARN})
			}
		}
		versions, err := agentVersions(ctx, api, id)
		if err != nil {
			return err
		}
		for _, v := range versions {
			if v != "DRAFT" {
				vo, err := api.GetAgentVersion(ctx, &bedrockagent.GetAgentVersionInput{AgentId: aws.String(id), AgentVersion: aws.String(v)})
				if err != nil {
					return fmt.Errorf("discover: get agent %s version %s: %w", id, v, err)
				}
				if av := vo.AgentVersion; av != nil && aws.ToString(av.AgentResourceRoleArn) != "" {
					f.Roles = append(f.Roles, Role{ARN: aws.ToString(av.AgentResourceRoleArn), LedBy: agentARN + ":" + v})
				}
			}
			if err := actionGroups(ctx, api, id, agentARN, v, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// agentVersions lists an agent's versions; DRAFT is always among them.
func agentVersions(ctx context.Context, api AgentsAPI, agent string) ([]string, error) {
	versions := []string{"DRAFT"}
	p := bedrockagent.NewListAgentVersionsPaginator(api, &bedrockagent.ListAgentVersionsInput{AgentId: aws.String(agent)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("discover: list versions of agent %s: %w", agent, err)
		}
		for _, v := range page.AgentVersionSummaries {
			if s := aws.ToString(v.AgentVersion); s != "" && s != "DRAFT" {
				versions = append(versions, s)
			}
		}
	}
	return versions, nil
}

func actionGroups(ctx context.Context, api AgentsAPI, agent, agentARN, version string, f *Found) error {
	var ids []string
	p := bedrockagent.NewListAgentActionGroupsPaginator(api, &bedrockagent.ListAgentActionGroupsInput{AgentId: aws.String(agent), AgentVersion: aws.String(version)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list action groups of agent %s version %s: %w", agent, version, err)
		}
		for _, g := range page.ActionGroupSummaries {
			ids = append(ids, aws.ToString(g.ActionGroupId))
		}
	}
	for _, id := range ids {
		out, err := api.GetAgentActionGroup(ctx, &bedrockagent.GetAgentActionGroupInput{AgentId: aws.String(agent), AgentVersion: aws.String(version), ActionGroupId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("discover: get action group %s of agent %s version %s: %w", id, agent, version, err)
		}
		g := out.AgentActionGroup
		if g == nil {
			continue
		}
		led := ActionGroupARN(agentARN, version, id)
		if l, ok := g.ActionGroupExecutor.(*types.ActionGroupExecutorMemberLambda); ok && l.Value != "" {
			f.Functions = append(f.Functions, Function{ARN: l.Value, LedBy: led})
		}
		if s, ok := g.ApiSchema.(*types.APISchemaMemberS3); ok && aws.ToString(s.Value.S3BucketName) != "" {
			f.Locations = append(f.Locations, Location{Bucket: aws.ToString(s.Value.S3BucketName), Prefix: aws.ToString(s.Value.S3ObjectKey), LedBy: led})
		}
	}
	return nil
}
