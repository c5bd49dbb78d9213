package lab

import (
	"encoding/json"
	"time"
)

// Prompt management, flows and inference profiles carry the member names
// of the bedrock-agent and bedrock API models (REST-JSON), so the server
// marshals them as they are.

// Prompt is a prompt of Bedrock prompt management with every version.
// Versions[0] is conventionally the DRAFT.
type Prompt struct {
	ID       string           `json:"id"`
	ARN      string           `json:"arn"`
	Versions []*PromptVersion `json:"versions"`
}

// PromptVersion is one version of a prompt, shaped as GetPrompt returns
// it (its ARN is the prompt's, with ":<version>" for numbered versions).
type PromptVersion struct {
	Name                     string           `json:"name"`
	Description              string           `json:"description,omitempty"`
	CustomerEncryptionKeyArn string           `json:"customerEncryptionKeyArn,omitempty"`
	DefaultVariant           string           `json:"defaultVariant,omitempty"`
	Variants                 []*PromptVariant `json:"variants,omitempty"`
	ID                       string           `json:"id,omitempty"`
	ARN                      string           `json:"arn,omitempty"`
	Version                  string           `json:"version"`
	CreatedAt                time.Time        `json:"createdAt"`
	UpdatedAt                time.Time        `json:"updatedAt"`
}

// PromptVariant is a template with the model and inference settings it is
// sent with.
type PromptVariant struct {
	Name                   string          `json:"name"`
	TemplateType           string          `json:"templateType"` // TEXT CHAT
	TemplateConfiguration  json.RawMessage `json:"templateConfiguration"`
	ModelID                string          `json:"modelId,omitempty"`
	InferenceConfiguration json.RawMessage `json:"inferenceConfiguration,omitempty"`
	Metadata               []PromptMeta    `json:"metadata,omitempty"`
}

type PromptMeta struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Flow is a prompt flow: its working draft, its versions and its aliases.
type Flow struct {
	FlowVersion                // the DRAFT, shaped as GetFlow returns it
	Versions    []*FlowVersion `json:"versions,omitempty"`
	Aliases     []*FlowAlias   `json:"aliases,omitempty"`
}

// FlowVersion is a flow's draft or a numbered version, shaped as GetFlow
// and GetFlowVersion return it.
type FlowVersion struct {
	Name                     string           `json:"name"`
	Description              string           `json:"description,omitempty"`
	ExecutionRoleArn         string           `json:"executionRoleArn"`
	CustomerEncryptionKeyArn string           `json:"customerEncryptionKeyArn,omitempty"`
	ID                       string           `json:"id"`
	ARN                      string           `json:"arn"`
	Status                   string           `json:"status"` // Prepared NotPrepared Preparing Failed
	CreatedAt                time.Time        `json:"createdAt"`
	UpdatedAt                *time.Time       `json:"updatedAt,omitempty"` // the draft only
	Version                  string           `json:"version"`
	Definition               *FlowDefinition  `json:"definition,omitempty"`
	Validations              []FlowValidation `json:"validations,omitempty"` // the draft only
}

type FlowDefinition struct {
	Nodes       []FlowNode       `json:"nodes"`
	Connections []FlowConnection `json:"connections"`
}

type FlowNode struct {
	Name          string          `json:"name"`
	Type          string          `json:"type"` // Input Output Prompt KnowledgeBase LambdaFunction ...
	Configuration json.RawMessage `json:"configuration,omitempty"`
	Inputs        []FlowNodeIO    `json:"inputs,omitempty"`
	Outputs       []FlowNodeIO    `json:"outputs,omitempty"`
}

type FlowNodeIO struct {
	Name       string `json:"name"`
	Type       string `json:"type"` // String Number Boolean Object Array
	Expression string `json:"expression,omitempty"`
}

type FlowConnection struct {
	Type          string          `json:"type"` // Data Conditional
	Name          string          `json:"name"`
	Source        string          `json:"source"`
	Target        string          `json:"target"`
	Configuration json.RawMessage `json:"configuration,omitempty"`
}

type FlowValidation struct {
	Message  string `json:"message"`
	Severity string `json:"severity"` // Warning Error
}

// FlowAlias is an alias of a flow, shaped as GetFlowAlias returns it.
type FlowAlias struct {
	Name                 string             `json:"name"`
	Description          string             `json:"description,omitempty"`
	RoutingConfiguration []FlowAliasRouting `json:"routingConfiguration"`
	FlowID               string             `json:"flowId"`
	ID                   string             `json:"id"`
	ARN                  string             `json:"arn"`
	CreatedAt            time.Time          `json:"createdAt"`
	UpdatedAt            time.Time          `json:"updatedAt"`
}

type FlowAliasRouting struct {
	FlowVersion string `json:"flowVersion"`
}

// InferenceProfile is a Bedrock inference profile, shaped as
// GetInferenceProfile returns it: system-defined (cross-region) or an
// application profile an account made to track a model's use.
type InferenceProfile struct {
	InferenceProfileName string                  `json:"inferenceProfileName"`
	Description          string                  `json:"description,omitempty"`
	CreatedAt            *time.Time              `json:"createdAt,omitempty"`
	UpdatedAt            *time.Time              `json:"updatedAt,omitempty"`
	InferenceProfileArn  string                  `json:"inferenceProfileArn"`
	Models               []InferenceProfileModel `json:"models"`
	InferenceProfileID   string                  `json:"inferenceProfileId"`
	Status               string                  `json:"status"` // ACTIVE
	Type                 string                  `json:"type"`   // SYSTEM_DEFINED APPLICATION
}

type InferenceProfileModel struct {
	ModelArn string `json:"modelArn"`
}
