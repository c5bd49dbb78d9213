package bedrockagents

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent/types"

	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// agents snapshots every agent: its working draft, each numbered version,
// each alias, and per version its action groups, knowledge-base
// associations and collaborators.
func (s *snap) agents(ctx context.Context) error {
	var ids []string
	p := bedrockagent.NewListAgentsPaginator(s.api, &bedrockagent.ListAgentsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list agents %s/%s: %w", s.u.Target.Account, s.u.Target.Region, err)
		}
		for _, a := range page.AgentSummaries {
			ids = append(ids, aws.ToString(a.AgentId))
		}
	}
	for _, id := range ids {
		if err := s.agent(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) agent(ctx context.Context, id string) error {
	out, err := s.api.GetAgent(ctx, &bedrockagent.GetAgentInput{AgentId: aws.String(id)})
	if err != nil {
		return fmt.Errorf("bedrockagents: get agent %s: %w", id, err)
	}
	a := out.Agent
	if a == nil {
		return fmt.Errorf("bedrockagents: get agent %s: response has no agent", id)
	}
	arn := aws.ToString(a.AgentArn)
	row := &schemas.Resource{
		Kind: schemas.KindAgent, ARN: arn, ID: id, Version: aws.ToString(a.AgentVersion),
		Name: aws.ToString(a.AgentName), Status: string(a.AgentStatus),
		CreatedAt: aws.ToTime(a.CreatedAt).UTC(), UpdatedAt: aws.ToTime(a.UpdatedAt).UTC(),
	}
	norm := map[string]any{
		"role_arn": a.AgentResourceRoleArn, "foundation_model": a.FoundationModel, "instruction": a.Instruction,
		"description": a.Description, "guardrail": a.GuardrailConfiguration, "idle_session_ttl_seconds": a.IdleSessionTTLInSeconds,
		"orchestration_type": a.OrchestrationType, "collaboration": a.AgentCollaboration, "kms_key_arn": a.CustomerEncryptionKeyArn,
		"prompt_overrides": a.PromptOverrideConfiguration, "memory": a.MemoryConfiguration, "prepared_at": a.PreparedAt,
	}
	if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetAgent", Metadata: out.ResultMetadata}); err != nil {
		return err
	}
	versions, err := s.versions(ctx, id)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if v != "DRAFT" {
			if err := s.version(ctx, id, v); err != nil {
				return err
			}
		}
		if err := s.actionGroups(ctx, id, arn, v); err != nil {
			return err
		}
		if err := s.knowledgeBaseAssociations(ctx, id, arn, v); err != nil {
			return err
		}
		if err := s.collaborators(ctx, id, arn, v); err != nil {
			return err
		}
	}
	return s.aliases(ctx, id)
}

// versions lists an agent's versions, DRAFT first.
func (s *snap) versions(ctx context.Context, agent string) ([]string, error) {
	versions := []string{"DRAFT"}
	p := bedrockagent.NewListAgentVersionsPaginator(s.api, &bedrockagent.ListAgentVersionsInput{AgentId: aws.String(agent)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("bedrockagents: list versions of agent %s: %w", agent, err)
		}
		for _, v := range page.AgentVersionSummaries {
			if n := aws.ToString(v.AgentVersion); n != "" && n != "DRAFT" {
				versions = append(versions, n)
			}
		}
	}
	return versions, nil
}

func (s *snap) version(ctx context.Context, agent, version string) error {
	out, err := s.api.GetAgentVersion(ctx, &bedrockagent.GetAgentVersionInput{AgentId: aws.String(agent), AgentVersion: aws.String(version)})
	if err != nil {
		return fmt.Errorf("bedrockagents: get agent %s version %s: %w", agent, version, err)
	}
	v := out.AgentVersion
	if v == nil {
		return fmt.Errorf("bedrockagents: get agent %s version %s: response has no version", agent, version)
	}
	row := &schemas.Resource{
		Kind: schemas.KindAgentVersion, ARN: aws.ToString(v.AgentArn), ID: agent, Version: aws.ToString(v.Version),
		Name: aws.ToString(v.AgentName), Status: string(v.AgentStatus),
		CreatedAt: aws.ToTime(v.CreatedAt).UTC(), UpdatedAt: aws.ToTime(v.UpdatedAt).UTC(),
	}
	norm := map[string]any{
		"role_arn": v.AgentResourceRoleArn, "foundation_model": v.FoundationModel, "instruction": v.Instruction,
		"description": v.Description, "guardrail": v.GuardrailConfiguration, "idle_session_ttl_seconds": v.IdleSessionTTLInSeconds,
		"collaboration": v.AgentCollaboration, "kms_key_arn": v.CustomerEncryptionKeyArn,
		"prompt_overrides": v.PromptOverrideConfiguration, "memory": v.MemoryConfiguration,
	}
	return s.put(ctx, row, norm, snapshot.Call{Operation: "GetAgentVersion", Metadata: out.ResultMetadata})
}

func (s *snap) aliases(ctx context.Context, agent string) error {
	var ids []string
	p := bedrockagent.NewListAgentAliasesPaginator(s.api, &bedrockagent.ListAgentAliasesInput{AgentId: aws.String(agent)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list aliases of agent %s: %w", agent, err)
		}
		for _, al := range page.AgentAliasSummaries {
			ids = append(ids, aws.ToString(al.AgentAliasId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetAgentAlias(ctx, &bedrockagent.GetAgentAliasInput{AgentId: aws.String(agent), AgentAliasId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get alias %s of agent %s: %w", id, agent, err)
		}
		al := out.AgentAlias
		if al == nil {
			return fmt.Errorf("bedrockagents: get alias %s of agent %s: response has no alias", id, agent)
		}
		var routes []string
		for _, r := range al.RoutingConfiguration {
			routes = append(routes, aws.ToString(r.AgentVersion))
		}
		row := &schemas.Resource{
			Kind: schemas.KindAgentAlias, ARN: aws.ToString(al.AgentAliasArn), ID: id,
			Name: aws.ToString(al.AgentAliasName), Status: string(al.AgentAliasStatus),
			CreatedAt: aws.ToTime(al.CreatedAt).UTC(), UpdatedAt: aws.ToTime(al.UpdatedAt).UTC(),
		}
		norm := map[string]any{
			"agent_id": agent, "routes_to_versions": routes, "routing": al.RoutingConfiguration,
			"description": al.Description, "invocation_state": al.AliasInvocationState, "history": al.AgentAliasHistoryEvents,
		}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetAgentAlias", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}

func (s *snap) actionGroups(ctx context.Context, agent, agentARN, version string) error {
	var ids []string
	p := bedrockagent.NewListAgentActionGroupsPaginator(s.api, &bedrockagent.ListAgentActionGroupsInput{AgentId: aws.String(agent), AgentVersion: aws.String(version)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list action groups of agent %s version %s: %w", agent, version, err)
		}
		for _, g := range page.ActionGroupSummaries {
			ids = append(ids, aws.ToString(g.ActionGroupId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetAgentActionGroup(ctx, &bedrockagent.GetAgentActionGroupInput{AgentId: aws.String(agent), AgentVersion: aws.String(version), ActionGroupId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get action group %s of agent %s version %s: %w", id, agent, version, err)
		}
		g := out.AgentActionGroup
		if g == nil {
			return fmt.Errorf("bedrockagents: get action group %s of agent %s version %s: response has no action group", id, agent, version)
		}
		row := &schemas.Resource{
			Kind: schemas.KindActionGroup, ARN: discover.ActionGroupARN(agentARN, version, id), ID: id, Version: version,
			Name: aws.ToString(g.ActionGroupName), Status: string(g.ActionGroupState),
			CreatedAt: aws.ToTime(g.CreatedAt).UTC(), UpdatedAt: aws.ToTime(g.UpdatedAt).UTC(),
		}
		norm := actionGroupFields(g)
		norm["agent_id"], norm["agent_version"] = agent, version
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetAgentActionGroup", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}

// actionGroupFields names the members of an action group's unions, which
// would otherwise lose which member they are.
func actionGroupFields(g *types.AgentActionGroup) map[string]any {
	norm := map[string]any{"description": g.Description, "parent_signature": g.ParentActionSignature}
	switch e := g.ActionGroupExecutor.(type) {
	case *types.ActionGroupExecutorMemberLambda:
		norm["lambda"] = e.Value
	case *types.ActionGroupExecutorMemberCustomControl:
		norm["custom_control"] = e.Value
	}
	switch sc := g.ApiSchema.(type) {
	case *types.APISchemaMemberPayload:
		norm["api_schema_payload"] = sc.Value
	case *types.APISchemaMemberS3:
		norm["api_schema_s3"] = "s3://" + aws.ToString(sc.Value.S3BucketName) + "/" + aws.ToString(sc.Value.S3ObjectKey)
	}
	if fs, ok := g.FunctionSchema.(*types.FunctionSchemaMemberFunctions); ok {
		norm["functions"] = fs.Value
	}
	return norm
}

func (s *snap) knowledgeBaseAssociations(ctx context.Context, agent, agentARN, version string) error {
	var ids []string
	p := bedrockagent.NewListAgentKnowledgeBasesPaginator(s.api, &bedrockagent.ListAgentKnowledgeBasesInput{AgentId: aws.String(agent), AgentVersion: aws.String(version)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list knowledge bases of agent %s version %s: %w", agent, version, err)
		}
		for _, k := range page.AgentKnowledgeBaseSummaries {
			ids = append(ids, aws.ToString(k.KnowledgeBaseId))
		}
	}
	for _, id := range ids {
		out, err := s.api.GetAgentKnowledgeBase(ctx, &bedrockagent.GetAgentKnowledgeBaseInput{AgentId: aws.String(agent), AgentVersion: aws.String(version), KnowledgeBaseId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockagents: get knowledge base %s of agent %s version %s: %w", id, agent, version, err)
		}
		k := out.AgentKnowledgeBase
		if k == nil {
			return fmt.Errorf("bedrockagents: get knowledge base %s of agent %s version %s: response has no association", id, agent, version)
		}
		row := &schemas.Resource{
			Kind: schemas.KindAgentKnowledgeBase, ARN: agentARN + "/version/" + version + "/knowledge-base/" + id, ID: id, Version: version,
			Status: string(k.KnowledgeBaseState), CreatedAt: aws.ToTime(k.CreatedAt).UTC(), UpdatedAt: aws.ToTime(k.UpdatedAt).UTC(),
		}
		norm := map[string]any{"agent_id": agent, "agent_version": version, "knowledge_base_id": id, "description": k.Description}
		if err := s.put(ctx, row, norm, snapshot.Call{Operation: "GetAgentKnowledgeBase", Metadata: out.ResultMetadata}); err != nil {
			return err
		}
	}
	return nil
}

// collaborators snapshots a version's collaborators from the listing, the
// only call that describes them whole; each row keeps its element of the
// listing byte-exact.
func (s *snap) collaborators(ctx context.Context, agent, agentARN, version string) error {
	p := bedrockagent.NewListAgentCollaboratorsPaginator(s.api, &bedrockagent.ListAgentCollaboratorsInput{AgentId: aws.String(agent), AgentVersion: aws.String(version)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockagents: list collaborators of agent %s version %s: %w", agent, version, err)
		}
		raw, err := snapshot.Elements(page.ResultMetadata, "agentCollaboratorSummaries")
		if err != nil {
			return fmt.Errorf("bedrockagents: list collaborators of agent %s version %s: %w", agent, version, err)
		}
		for i, c := range page.AgentCollaboratorSummaries {
			id := aws.ToString(c.CollaboratorId)
			row := &schemas.Resource{
				Kind: schemas.KindAgentCollaborator, ARN: agentARN + "/version/" + version + "/collaborator/" + id, ID: id, Version: version,
				Name: aws.ToString(c.CollaboratorName), CreatedAt: aws.ToTime(c.CreatedAt).UTC(), UpdatedAt: aws.ToTime(c.LastUpdatedAt).UTC(),
			}
			norm := map[string]any{
				"agent_id": agent, "agent_version": version, "descriptor": c.AgentDescriptor,
				"instruction": c.CollaborationInstruction, "relay_history": c.RelayConversationHistory,
			}
			if err := s.put(ctx, row, norm, snapshot.Call{Operation: "ListAgentCollaborators", Metadata: page.ResultMetadata, Raw: snapshot.Element(raw, i)}); err != nil {
				return err
			}
		}
	}
	return nil
}
