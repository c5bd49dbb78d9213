// Package bedrockagents snapshots Agents for Amazon Bedrock: agents with
// every version, alias, action group, knowledge-base association and
// collaborator; knowledge bases with their data sources and ingestion
// jobs; managed prompts with every version; flows with their versions and
// aliases; and the Lambda functions behind action groups, with their
// resource policies and deployment packages.
package bedrockagents

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "bedrock.agents"

// API is the part of the Agents for Amazon Bedrock client this source
// uses. Build it with collect.CaptureRawBody so responses are kept
// byte-exact.
type API interface {
	discover.AgentsAPI
	bedrockagent.ListAgentAliasesAPIClient
	bedrockagent.ListAgentKnowledgeBasesAPIClient
	bedrockagent.ListAgentCollaboratorsAPIClient
	bedrockagent.ListIngestionJobsAPIClient
	GetAgentAlias(ctx context.Context, in *bedrockagent.GetAgentAliasInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetAgentAliasOutput, error)
	GetAgentKnowledgeBase(ctx context.Context, in *bedrockagent.GetAgentKnowledgeBaseInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetAgentKnowledgeBaseOutput, error)
	GetIngestionJob(ctx context.Context, in *bedrockagent.GetIngestionJobInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetIngestionJobOutput, error)
	FlowsAPI
}

// LambdaAPI is the part of the Lambda client this source uses. Build it
// with collect.CaptureRawBody.
type LambdaAPI interface {
	discover.LambdaAPI
	GetPolicy(ctx context.Context, in *lambda.GetPolicyInput, opts ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error)
}

// Agents snapshots a target's agents and knowledge bases, one unit per
// account, region and kind of resource.
type Agents struct {
	Client func(collect.Target) (API, error)
	Lambda func(collect.Target) (LambdaAPI, error)
	// Estate finds the functions behind action groups; without it, or
	// without Lambda, functions are not snapshot.
	Estate *discover.Estate
	// HTTP downloads deployment packages from the location GetFunction
	// gives; nil = a client with a ten-minute timeout.
	HTTP *http.Client
	Now  func() time.Time
}

var _ collect.Source = (*Agents)(nil)

func (*Agents) Name() string { return Source }

const (
	unitAgents         = "agents"
	unitKnowledgeBases = "knowledge-bases"
	unitFunctions      = "action-group-functions"
	unitPrompts        = "prompts"
	unitFlows          = "flows"
)

func (a *Agents) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	units := []collect.Unit{
		{Source: Source, ID: unitAgents, Target: t},
		{Source: Source, ID: unitKnowledgeBases, Target: t},
		{Source: Source, ID: unitPrompts, Target: t},
		{Source: Source, ID: unitFlows, Target: t},
	}
	if a.Estate != nil && a.Lambda != nil {
		units = append(units, collect.Unit{Source: Source, ID: unitFunctions, Target: t})
	}
	return units, nil
}

func (a *Agents) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	if u.ID == unitFunctions {
		return a.functions(ctx, u, sink)
	}
	api, err := a.Client(u.Target)
	if err != nil {
		return err
	}
	s := &snap{a: a, api: api, u: u, sink: sink}
	switch u.ID {
	case unitAgents:
		return s.agents(ctx)
	case unitKnowledgeBases:
		return s.knowledgeBases(ctx)
	case unitPrompts:
		return s.prompts(ctx)
	case unitFlows:
		return s.flows(ctx)
	}
	return fmt.Errorf("bedrockagents: unknown unit %q", u.ID)
}

func (a *Agents) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

// snap holds the state of one unit's collection.
type snap struct {
	a    *Agents
	api  API
	u    collect.Unit
	sink collect.Sink
}

// put snapshots one bedrock-agent response.
func (s *snap) put(ctx context.Context, row *schemas.Resource, norm any, c snapshot.Call) error {
	c.Service = "bedrock-agent"
	return snapshot.Put(ctx, s.sink, s.u, s.a.now(), row, norm, c)
}
