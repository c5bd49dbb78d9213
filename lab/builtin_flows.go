package lab

import (
	"encoding/json"
	"fmt"
	"time"
)

// Fixed ids of the built-in scenario's prompt management, flow and
// application inference profile in genai-prod, us-east-1.
const (
	PromptTriageID   = "PRMT4K8Q2Z"
	FlowTriageID     = "FLW7N3D9XA"
	FlowAliasLiveID  = "ALS2H6J4QW"
	InferenceAppID   = "k3v8p1x6r2m9"
	flowRole         = "AmazonBedrockExecutionRoleForFlows_support"
	triageModelID    = "anthropic.claude-3-haiku-20240307-v1:0"
	triageTemplateV1 = "You are the triage assistant of a consumer electronics support desk. Classify the ticket below into one queue: orders, refunds, devices or other. Answer with the queue name only.\n\nTicket: {{ticket}}"
	triageTemplateV2 = "You are the triage assistant of a consumer electronics support desk. Classify the ticket below into one queue: orders, refunds, devices, security or other. Tickets mentioning account takeover, leaked passwords or unknown logins go to security. Answer with the queue name only.\n\nTicket: {{ticket}}"
)

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// triageVariant is the prompt's only variant, at a template revision.
func triageVariant(template string, maxTokens int) *PromptVariant {
	return &PromptVariant{
		Name: "default", TemplateType: "TEXT",
		TemplateConfiguration: rawJSON(map[string]any{"text": map[string]any{"text": template, "inputVariables": []map[string]string{{"name": "ticket"}}}}),
		ModelID:               triageModelID,
		InferenceConfiguration: rawJSON(map[string]any{"text": map[string]any{
			"temperature": 0, "topP": 0.9, "maxTokens": maxTokens, "stopSequences": []string{"\n"},
		}}),
		Metadata: []PromptMeta{{Key: "owner", Value: "support-platform"}},
	}
}

// inferenceProfiles gives a workload account the system-defined
// cross-region profiles of its regions and, in genai-prod, the
// application profile the support assistant's costs are tracked by.
func (g *gen) inferenceProfiles(a *Account, prod bool) {
	created := g.at(-200 * 24 * time.Hour)
	geo := map[string][]string{
		"us-east-1": {"us", "us-east-1", "us-east-2", "us-west-2"}, "us-west-2": {"us", "us-east-1", "us-east-2", "us-west-2"},
		"eu-west-1": {"eu", "eu-central-1", "eu-west-1", "eu-west-3"},
	}
	for _, region := range builtinRegions {
		prefix, in := geo[region][0], geo[region][1:]
		for _, m := range []struct{ id, name string }{{triageModelID, "Claude 3 Haiku"}, {"anthropic.claude-3-5-sonnet-20240620-v1:0", "Claude 3.5 Sonnet"}} {
			id := prefix + "." + m.id
			p := &InferenceProfile{
				InferenceProfileName: fmt.Sprintf("%s Anthropic %s", map[string]string{"us": "US", "eu": "EU"}[prefix], m.name),
				Description:          fmt.Sprintf("Routes requests to Anthropic %s in %v.", m.name, in),
				CreatedAt:            ptr(created), UpdatedAt: ptr(created),
				InferenceProfileArn: "arn:aws:bedrock:" + region + ":" + a.ID + ":inference-profile/" + id, InferenceProfileID: id,
				Status: "ACTIVE", Type: "SYSTEM_DEFINED",
			}
			for _, r := range in {
				p.Models = append(p.Models, InferenceProfileModel{ModelArn: "arn:aws:bedrock:" + r + "::foundation-model/" + m.id})
			}
			a.Regions[region].InferenceProfiles = append(a.Regions[region].InferenceProfiles, p)
		}
	}
	if !prod {
		return
	}
	at := g.at(-50 * 24 * time.Hour)
	use := a.Regions["us-east-1"]
	use.InferenceProfiles = append(use.InferenceProfiles, &InferenceProfile{
		InferenceProfileName: "support-assistant-haiku", Description: "Claude 3 Haiku calls of the support assistant, for cost allocation",
		CreatedAt: ptr(at), UpdatedAt: ptr(at),
		InferenceProfileArn: "arn:aws:bedrock:us-east-1:" + a.ID + ":application-inference-profile/" + InferenceAppID, InferenceProfileID: InferenceAppID,
		Models: []InferenceProfileModel{{ModelArn: "arn:aws:bedrock:us-east-1::foundation-model/" + triageModelID}},
		Status: "ACTIVE", Type: "APPLICATION",
	})
}

// promptsAndFlows gives genai-prod the ticket-triage prompt (two versions
// and its draft) and the flow that runs version 2 of it behind the live
// alias, with the role the flow runs as.
func (g *gen) promptsAndFlows(a *Account) {
	v1, v2 := g.at(-90*24*time.Hour), g.at(-30*24*time.Hour)
	use := a.Regions["us-east-1"]
	promptARN := "arn:aws:bedrock:us-east-1:" + a.ID + ":prompt/" + PromptTriageID
	key := "arn:aws:kms:us-east-1:" + a.ID + ":key/" + guardrailKeyID
	version := func(v string, created, updated time.Time, template string, maxTokens int) *PromptVersion {
		return &PromptVersion{
			Name: "support-ticket-triage", Description: "Routes a support ticket to a queue", CustomerEncryptionKeyArn: key,
			DefaultVariant: "default", Variants: []*PromptVariant{triageVariant(template, maxTokens)},
			Version: v, CreatedAt: created, UpdatedAt: updated,
		}
	}
	use.Prompts = append(use.Prompts, &Prompt{ID: PromptTriageID, ARN: promptARN, Versions: []*PromptVersion{
		version("DRAFT", v1.Add(-time.Hour), v2, triageTemplateV2, 8),
		version("1", v1, v1, triageTemplateV1, 5),
		version("2", v2, v2, triageTemplateV2, 8),
	}})

	role := g.role(a, flowRole, "/service-role/", "Execution role of the ticket-triage flow", trustPolicy("Service", "bedrock.amazonaws.com"), v1)
	role.InlinePolicies["flow-permissions"] = allow(`["bedrock:GetPrompt","bedrock:InvokeModel","bedrock:RenderPrompt"]`, fmt.Sprintf(`["%s:*","arn:aws:bedrock:us-east-1::foundation-model/%s"]`, promptARN, triageModelID))

	flowARN := "arn:aws:bedrock:us-east-1:" + a.ID + ":flow/" + FlowTriageID
	definition := &FlowDefinition{
		Nodes: []FlowNode{
			{Name: "FlowInput", Type: "Input", Configuration: rawJSON(map[string]any{"input": map[string]any{}}),
				Outputs: []FlowNodeIO{{Name: "document", Type: "String"}}},
			{Name: "Triage", Type: "Prompt",
				Configuration: rawJSON(map[string]any{"prompt": map[string]any{"sourceConfiguration": map[string]any{"resource": map[string]string{"promptArn": promptARN + ":2"}}}}),
				Inputs:        []FlowNodeIO{{Name: "ticket", Type: "String", Expression: "$.data"}},
				Outputs:       []FlowNodeIO{{Name: "modelCompletion", Type: "String"}}},
			{Name: "FlowOutput", Type: "Output", Configuration: rawJSON(map[string]any{"output": map[string]any{}}),
				Inputs: []FlowNodeIO{{Name: "document", Type: "String", Expression: "$.data"}}},
		},
		Connections: []FlowConnection{
			{Type: "Data", Name: "FlowInputToTriage", Source: "FlowInput", Target: "Triage",
				Configuration: rawJSON(map[string]any{"data": map[string]string{"sourceOutput": "document", "targetInput": "ticket"}})},
			{Type: "Data", Name: "TriageToFlowOutput", Source: "Triage", Target: "FlowOutput",
				Configuration: rawJSON(map[string]any{"data": map[string]string{"sourceOutput": "modelCompletion", "targetInput": "document"}})},
		},
	}
	published := v2.Add(2 * time.Hour)
	draft := FlowVersion{
		Name: "support-ticket-triage-flow", Description: "Triage of incoming support tickets", ExecutionRoleArn: role.ARN,
		CustomerEncryptionKeyArn: key, ID: FlowTriageID, ARN: flowARN, Status: "Prepared",
		CreatedAt: v2.Add(time.Hour), UpdatedAt: ptr(published), Version: "DRAFT", Definition: definition,
	}
	v := draft
	v.Version, v.CreatedAt, v.UpdatedAt = "1", published, nil
	use.Flows = append(use.Flows, &Flow{
		FlowVersion: draft,
		Versions:    []*FlowVersion{&v},
		Aliases: []*FlowAlias{{
			Name: "live", Description: "Serves the support desk", RoutingConfiguration: []FlowAliasRouting{{FlowVersion: "1"}},
			FlowID: FlowTriageID, ID: FlowAliasLiveID, ARN: flowARN + "/alias/" + FlowAliasLiveID,
			CreatedAt: published.Add(10 * time.Minute), UpdatedAt: published.Add(10 * time.Minute),
		}},
	})
}
