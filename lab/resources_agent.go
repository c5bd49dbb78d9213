package lab

import "time"

// The Bedrock Agents resource types carry the member names of the
// bedrock-agent API model.

// Agent is a Bedrock agent: its working draft, its numbered versions, its
// aliases, and per version its action groups and knowledge bases.
type Agent struct {
	AgentID                 string                  `json:"agentId"`
	AgentName               string                  `json:"agentName"`
	AgentARN                string                  `json:"agentArn"`
	AgentVersion            string                  `json:"agentVersion"` // DRAFT
	AgentStatus             string                  `json:"agentStatus"`  // PREPARED NOT_PREPARED
	AgentResourceRoleARN    string                  `json:"agentResourceRoleArn"`
	FoundationModel         string                  `json:"foundationModel"`
	Instruction             string                  `json:"instruction"`
	Description             string                  `json:"description,omitempty"`
	IdleSessionTTLInSeconds int32                   `json:"idleSessionTTLInSeconds"`
	OrchestrationType       string                  `json:"orchestrationType,omitempty"`
	AgentCollaboration      string                  `json:"agentCollaboration,omitempty"`
	GuardrailConfiguration  *GuardrailConfiguration `json:"guardrailConfiguration,omitempty"`
	CreatedAt               time.Time               `json:"createdAt"`
	UpdatedAt               time.Time               `json:"updatedAt"`
	PreparedAt              *time.Time              `json:"preparedAt,omitempty"`

	Versions       []*AgentVersion        `json:"versions,omitempty"`
	Aliases        []*AgentAlias          `json:"aliases,omitempty"`
	ActionGroups   []*AgentActionGroup    `json:"actionGroups,omitempty"`
	KnowledgeBases []*AgentKnowledgeBase  `json:"knowledgeBases,omitempty"`
	Collaborators  []*AgentCollaboratorTo `json:"collaborators,omitempty"`
}

type GuardrailConfiguration struct {
	GuardrailIdentifier string `json:"guardrailIdentifier"`
	GuardrailVersion    string `json:"guardrailVersion"`
}

// AgentVersion is a numbered, immutable version of an agent.
type AgentVersion struct {
	AgentID                 string                  `json:"agentId"`
	AgentName               string                  `json:"agentName"`
	AgentARN                string                  `json:"agentArn"`
	Version                 string                  `json:"version"`
	AgentStatus             string                  `json:"agentStatus"`
	AgentResourceRoleARN    string                  `json:"agentResourceRoleArn"`
	FoundationModel         string                  `json:"foundationModel"`
	Instruction             string                  `json:"instruction"`
	Description             string                  `json:"description,omitempty"`
	IdleSessionTTLInSeconds int32                   `json:"idleSessionTTLInSeconds"`
	GuardrailConfiguration  *GuardrailConfiguration `json:"guardrailConfiguration,omitempty"`
	CreatedAt               time.Time               `json:"createdAt"`
	UpdatedAt               time.Time               `json:"updatedAt"`
}

type AgentAlias struct {
	AgentID              string              `json:"agentId"`
	AgentAliasID         string              `json:"agentAliasId"`
	AgentAliasName       string              `json:"agentAliasName"`
	AgentAliasARN        string              `json:"agentAliasArn"`
	AgentAliasStatus     string              `json:"agentAliasStatus"` // PREPARED
	Description          string              `json:"description,omitempty"`
	RoutingConfiguration []AliasRoutingEntry `json:"routingConfiguration"`
	CreatedAt            time.Time           `json:"createdAt"`
	UpdatedAt            time.Time           `json:"updatedAt"`
}

type AliasRoutingEntry struct {
	AgentVersion string `json:"agentVersion"`
}

// AgentActionGroup belongs to one agent version (DRAFT or numbered).
type AgentActionGroup struct {
	AgentID             string               `json:"agentId"`
	AgentVersion        string               `json:"agentVersion"`
	ActionGroupID       string               `json:"actionGroupId"`
	ActionGroupName     string               `json:"actionGroupName"`
	ActionGroupState    string               `json:"actionGroupState"` // ENABLED DISABLED
	Description         string               `json:"description,omitempty"`
	ActionGroupExecutor *ActionGroupExecutor `json:"actionGroupExecutor,omitempty"`
	APISchema           *APISchema           `json:"apiSchema,omitempty"`
	FunctionSchema      *FunctionSchema      `json:"functionSchema,omitempty"`
	CreatedAt           time.Time            `json:"createdAt"`
	UpdatedAt           time.Time            `json:"updatedAt"`
}

// ActionGroupExecutor is a union: Lambda is a function ARN.
type ActionGroupExecutor struct {
	Lambda        string `json:"lambda,omitempty"`
	CustomControl string `json:"customControl,omitempty"` // RETURN_CONTROL
}

// APISchema is a union: an inline OpenAPI payload or an S3 location.
type APISchema struct {
	Payload string        `json:"payload,omitempty"`
	S3      *S3Identifier `json:"s3,omitempty"`
}

// S3Identifier names an S3 object holding an OpenAPI schema.
type S3Identifier struct {
	S3BucketName string `json:"s3BucketName"`
	S3ObjectKey  string `json:"s3ObjectKey"`
}

type FunctionSchema struct {
	Functions []AgentFunction `json:"functions"`
}

type AgentFunction struct {
	Name        string                     `json:"name"`
	Description string                     `json:"description,omitempty"`
	Parameters  map[string]ParameterDetail `json:"parameters,omitempty"`
}

type ParameterDetail struct {
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required"`
}

// AgentKnowledgeBase associates a knowledge base with an agent version.
type AgentKnowledgeBase struct {
	AgentID            string    `json:"agentId"`
	AgentVersion       string    `json:"agentVersion"`
	KnowledgeBaseID    string    `json:"knowledgeBaseId"`
	KnowledgeBaseState string    `json:"knowledgeBaseState"` // ENABLED DISABLED
	Description        string    `json:"description"`
	CreatedAt          time.Time `json:"createdAt"`
	UpdatedAt          time.Time `json:"updatedAt"`
}

// AgentCollaboratorTo is a collaborator of a supervisor agent version.
type AgentCollaboratorTo struct {
	AgentVersion             string    `json:"agentVersion"`
	CollaboratorID           string    `json:"collaboratorId"`
	CollaboratorName         string    `json:"collaboratorName"`
	AliasARN                 string    `json:"aliasArn"`
	CollaborationInstruction string    `json:"collaborationInstruction"`
	RelayConversationHistory string    `json:"relayConversationHistory,omitempty"` // TO_COLLABORATOR DISABLED
	CreatedAt                time.Time `json:"createdAt"`
	UpdatedAt                time.Time `json:"updatedAt"`
}

// KnowledgeBase is a Bedrock knowledge base with its data sources and their
// ingestion jobs.
type KnowledgeBase struct {
	KnowledgeBaseID            string                      `json:"knowledgeBaseId"`
	Name                       string                      `json:"name"`
	KnowledgeBaseARN           string                      `json:"knowledgeBaseArn"`
	Description                string                      `json:"description,omitempty"`
	RoleARN                    string                      `json:"roleArn"`
	Status                     string                      `json:"status"` // ACTIVE
	KnowledgeBaseConfiguration *KnowledgeBaseConfiguration `json:"knowledgeBaseConfiguration"`
	StorageConfiguration       *StorageConfiguration       `json:"storageConfiguration"`
	CreatedAt                  time.Time                   `json:"createdAt"`
	UpdatedAt                  time.Time                   `json:"updatedAt"`

	DataSources   []*DataSource   `json:"dataSources,omitempty"`
	IngestionJobs []*IngestionJob `json:"ingestionJobs,omitempty"`
}

type KnowledgeBaseConfiguration struct {
	Type                             string                  `json:"type"` // VECTOR
	VectorKnowledgeBaseConfiguration *VectorKnowledgeBaseCfg `json:"vectorKnowledgeBaseConfiguration,omitempty"`
}

type VectorKnowledgeBaseCfg struct {
	EmbeddingModelARN string `json:"embeddingModelArn"`
}

type StorageConfiguration struct {
	Type                              string             `json:"type"` // OPENSEARCH_SERVERLESS
	OpensearchServerlessConfiguration *OpenSearchSrvless `json:"opensearchServerlessConfiguration,omitempty"`
}

type OpenSearchSrvless struct {
	CollectionARN   string              `json:"collectionArn"`
	VectorIndexName string              `json:"vectorIndexName"`
	FieldMapping    OpenSearchFieldsMap `json:"fieldMapping"`
}

type OpenSearchFieldsMap struct {
	VectorField   string `json:"vectorField"`
	TextField     string `json:"textField"`
	MetadataField string `json:"metadataField"`
}

// DataSource is a knowledge-base data source; the lab's are S3 buckets.
type DataSource struct {
	KnowledgeBaseID         string                   `json:"knowledgeBaseId"`
	DataSourceID            string                   `json:"dataSourceId"`
	Name                    string                   `json:"name"`
	Status                  string                   `json:"status"` // AVAILABLE
	Description             string                   `json:"description,omitempty"`
	DataDeletionPolicy      string                   `json:"dataDeletionPolicy"` // RETAIN DELETE
	DataSourceConfiguration *DataSourceConfiguration `json:"dataSourceConfiguration"`
	CreatedAt               time.Time                `json:"createdAt"`
	UpdatedAt               time.Time                `json:"updatedAt"`
}

type DataSourceConfiguration struct {
	Type            string                 `json:"type"` // S3
	S3Configuration *S3DataSourceConfigure `json:"s3Configuration,omitempty"`
}

type S3DataSourceConfigure struct {
	BucketARN            string   `json:"bucketArn"`
	InclusionPrefixes    []string `json:"inclusionPrefixes,omitempty"`
	BucketOwnerAccountID string   `json:"bucketOwnerAccountId,omitempty"`
}

type IngestionJob struct {
	KnowledgeBaseID string                  `json:"knowledgeBaseId"`
	DataSourceID    string                  `json:"dataSourceId"`
	IngestionJobID  string                  `json:"ingestionJobId"`
	Description     string                  `json:"description,omitempty"`
	Status          string                  `json:"status"` // COMPLETE
	Statistics      *IngestionJobStatistics `json:"statistics,omitempty"`
	StartedAt       time.Time               `json:"startedAt"`
	UpdatedAt       time.Time               `json:"updatedAt"`
}

type IngestionJobStatistics struct {
	NumberOfDocumentsScanned         int64 `json:"numberOfDocumentsScanned"`
	NumberOfMetadataDocumentsScanned int64 `json:"numberOfMetadataDocumentsScanned"`
	NumberOfNewDocumentsIndexed      int64 `json:"numberOfNewDocumentsIndexed"`
	NumberOfModifiedDocumentsIndexed int64 `json:"numberOfModifiedDocumentsIndexed"`
	NumberOfDocumentsDeleted         int64 `json:"numberOfDocumentsDeleted"`
	NumberOfDocumentsFailed          int64 `json:"numberOfDocumentsFailed"`
}
