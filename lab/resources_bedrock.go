package lab

import "time"

// The Bedrock resource types carry the member names of the Bedrock API model
// (bedrock, REST-JSON), so the server marshals them as they are.

// Guardrail is a Bedrock guardrail with all its versions. Versions[0] is
// conventionally the DRAFT; numbered versions are immutable snapshots.
type Guardrail struct {
	ID       string              `json:"guardrailId"`
	ARN      string              `json:"guardrailArn"`
	Versions []*GuardrailVersion `json:"versions"`
}

// GuardrailVersion is one version of a guardrail, shaped as GetGuardrail
// returns it.
type GuardrailVersion struct {
	Name                       string                      `json:"name"`
	ID                         string                      `json:"guardrailId,omitempty"`
	ARN                        string                      `json:"guardrailArn,omitempty"`
	Version                    string                      `json:"version"`
	Description                string                      `json:"description,omitempty"`
	Status                     string                      `json:"status"`
	StatusReasons              []string                    `json:"statusReasons,omitempty"`
	FailureRecommendations     []string                    `json:"failureRecommendations,omitempty"`
	TopicPolicy                *GuardrailTopicPolicy       `json:"topicPolicy,omitempty"`
	ContentPolicy              *GuardrailContentPolicy     `json:"contentPolicy,omitempty"`
	WordPolicy                 *GuardrailWordPolicy        `json:"wordPolicy,omitempty"`
	SensitiveInformationPolicy *GuardrailSensitivePolicy   `json:"sensitiveInformationPolicy,omitempty"`
	ContextualGroundingPolicy  *GuardrailGroundingPolicy   `json:"contextualGroundingPolicy,omitempty"`
	CrossRegionDetails         *GuardrailCrossRegionDetail `json:"crossRegionDetails,omitempty"`
	CreatedAt                  time.Time                   `json:"createdAt"`
	UpdatedAt                  time.Time                   `json:"updatedAt"`
	BlockedInputMessaging      string                      `json:"blockedInputMessaging"`
	BlockedOutputsMessaging    string                      `json:"blockedOutputsMessaging"`
	KMSKeyARN                  string                      `json:"kmsKeyArn,omitempty"`
}

type GuardrailTopicPolicy struct {
	Topics []GuardrailTopic `json:"topics"`
	Tier   *GuardrailTier   `json:"tier,omitempty"`
}

type GuardrailTier struct {
	TierName string `json:"tierName"`
}

type GuardrailTopic struct {
	Name          string   `json:"name"`
	Definition    string   `json:"definition"`
	Examples      []string `json:"examples,omitempty"`
	Type          string   `json:"type"` // DENY
	InputAction   string   `json:"inputAction,omitempty"`
	OutputAction  string   `json:"outputAction,omitempty"`
	InputEnabled  *bool    `json:"inputEnabled,omitempty"`
	OutputEnabled *bool    `json:"outputEnabled,omitempty"`
}

type GuardrailContentPolicy struct {
	Filters []GuardrailContentFilter `json:"filters"`
	Tier    *GuardrailTier           `json:"tier,omitempty"`
}

type GuardrailContentFilter struct {
	Type             string   `json:"type"`           // SEXUAL VIOLENCE HATE INSULTS MISCONDUCT PROMPT_ATTACK
	InputStrength    string   `json:"inputStrength"`  // NONE LOW MEDIUM HIGH
	OutputStrength   string   `json:"outputStrength"` // NONE LOW MEDIUM HIGH
	InputModalities  []string `json:"inputModalities,omitempty"`
	OutputModalities []string `json:"outputModalities,omitempty"`
	InputAction      string   `json:"inputAction,omitempty"`
	OutputAction     string   `json:"outputAction,omitempty"`
	InputEnabled     *bool    `json:"inputEnabled,omitempty"`
	OutputEnabled    *bool    `json:"outputEnabled,omitempty"`
}

type GuardrailWordPolicy struct {
	Words            []GuardrailWord        `json:"words,omitempty"`
	ManagedWordLists []GuardrailManagedWord `json:"managedWordLists,omitempty"`
}

type GuardrailWord struct {
	Text          string `json:"text"`
	InputAction   string `json:"inputAction,omitempty"`
	OutputAction  string `json:"outputAction,omitempty"`
	InputEnabled  *bool  `json:"inputEnabled,omitempty"`
	OutputEnabled *bool  `json:"outputEnabled,omitempty"`
}

type GuardrailManagedWord struct {
	Type          string `json:"type"` // PROFANITY
	InputAction   string `json:"inputAction,omitempty"`
	OutputAction  string `json:"outputAction,omitempty"`
	InputEnabled  *bool  `json:"inputEnabled,omitempty"`
	OutputEnabled *bool  `json:"outputEnabled,omitempty"`
}

type GuardrailSensitivePolicy struct {
	PIIEntities []GuardrailPIIEntity `json:"piiEntities,omitempty"`
	Regexes     []GuardrailRegex     `json:"regexes,omitempty"`
}

type GuardrailPIIEntity struct {
	Type          string `json:"type"`
	Action        string `json:"action"` // BLOCK ANONYMIZE NONE
	InputAction   string `json:"inputAction,omitempty"`
	OutputAction  string `json:"outputAction,omitempty"`
	InputEnabled  *bool  `json:"inputEnabled,omitempty"`
	OutputEnabled *bool  `json:"outputEnabled,omitempty"`
}

type GuardrailRegex struct {
	Name          string `json:"name"`
	Description   string `json:"description,omitempty"`
	Pattern       string `json:"pattern"`
	Action        string `json:"action"`
	InputAction   string `json:"inputAction,omitempty"`
	OutputAction  string `json:"outputAction,omitempty"`
	InputEnabled  *bool  `json:"inputEnabled,omitempty"`
	OutputEnabled *bool  `json:"outputEnabled,omitempty"`
}

type GuardrailGroundingPolicy struct {
	Filters []GuardrailGroundingFilter `json:"filters"`
}

type GuardrailGroundingFilter struct {
	Type      string  `json:"type"` // GROUNDING RELEVANCE
	Threshold float64 `json:"threshold"`
	Action    string  `json:"action,omitempty"`
	Enabled   *bool   `json:"enabled,omitempty"`
}

type GuardrailCrossRegionDetail struct {
	GuardrailProfileID  string `json:"guardrailProfileId"`
	GuardrailProfileARN string `json:"guardrailProfileArn"`
}

// CustomModel is shaped as GetCustomModel returns it.
type CustomModel struct {
	ModelARN             string              `json:"modelArn"`
	ModelName            string              `json:"modelName"`
	JobName              string              `json:"jobName,omitempty"`
	JobARN               string              `json:"jobArn,omitempty"`
	BaseModelARN         string              `json:"baseModelArn"`
	BaseModelName        string              `json:"-"`                 // reported in ListCustomModels only
	CustomizationType    string              `json:"customizationType"` // FINE_TUNING CONTINUED_PRE_TRAINING DISTILLATION
	ModelKMSKeyARN       string              `json:"modelKmsKeyArn,omitempty"`
	HyperParameters      map[string]string   `json:"hyperParameters,omitempty"`
	TrainingDataConfig   *TrainingDataConfig `json:"trainingDataConfig,omitempty"`
	ValidationDataConfig *ValidationConfig   `json:"validationDataConfig,omitempty"`
	OutputDataConfig     *S3URIConfig        `json:"outputDataConfig,omitempty"`
	TrainingMetrics      *TrainingMetrics    `json:"trainingMetrics,omitempty"`
	ValidationMetrics    []ValidatorMetric   `json:"validationMetrics,omitempty"`
	CreationTime         time.Time           `json:"creationTime"`
	ModelStatus          string              `json:"modelStatus"` // Active Creating Failed
	FailureMessage       string              `json:"failureMessage,omitempty"`
}

type TrainingDataConfig struct {
	S3URI string `json:"s3Uri"`
}

type ValidationConfig struct {
	Validators []S3URIConfig `json:"validators"`
}

type S3URIConfig struct {
	S3URI string `json:"s3Uri"`
}

type TrainingMetrics struct {
	TrainingLoss float64 `json:"trainingLoss"`
}

type ValidatorMetric struct {
	ValidationLoss float64 `json:"validationLoss"`
}

// ImportedModel is shaped as ListImportedModels summarises it.
type ImportedModel struct {
	ModelARN          string    `json:"modelArn"`
	ModelName         string    `json:"modelName"`
	CreationTime      time.Time `json:"creationTime"`
	InstructSupported bool      `json:"instructSupported"`
	ModelArchitecture string    `json:"modelArchitecture"`
	// Artifact is where the model weights were imported from.
	ArtifactS3URI string `json:"artifactS3Uri,omitempty"`
}

// CustomizationJob is a model customization job. The summary members are
// shaped as ListModelCustomizationJobs gives them; GetModelCustomizationJob
// adds the role, data, hyper parameters and failure message, and names the
// custom model outputModelArn and outputModelName.
type CustomizationJob struct {
	JobARN            string     `json:"jobArn"`
	JobName           string     `json:"jobName"`
	BaseModelARN      string     `json:"baseModelArn"`
	Status            string     `json:"status"` // InProgress Completed Failed Stopping Stopped
	CustomModelARN    string     `json:"customModelArn,omitempty"`
	CustomModelName   string     `json:"customModelName,omitempty"`
	CustomizationType string     `json:"customizationType"`
	CreationTime      time.Time  `json:"creationTime"`
	LastModifiedTime  *time.Time `json:"lastModifiedTime,omitempty"`
	EndTime           *time.Time `json:"endTime,omitempty"`

	RoleARN              string              `json:"roleArn,omitempty"`
	HyperParameters      map[string]string   `json:"hyperParameters,omitempty"`
	TrainingDataConfig   *TrainingDataConfig `json:"trainingDataConfig,omitempty"`
	ValidationDataConfig *ValidationConfig   `json:"validationDataConfig,omitempty"`
	OutputDataConfig     *S3URIConfig        `json:"outputDataConfig,omitempty"`
	FailureMessage       string              `json:"failureMessage,omitempty"`
}

// ProvisionedThroughput is shaped as ListProvisionedModelThroughputs
// summarises it.
type ProvisionedThroughput struct {
	ProvisionedModelName     string     `json:"provisionedModelName"`
	ProvisionedModelARN      string     `json:"provisionedModelArn"`
	ModelARN                 string     `json:"modelArn"`
	DesiredModelARN          string     `json:"desiredModelArn"`
	FoundationModelARN       string     `json:"foundationModelArn"`
	ModelUnits               int32      `json:"modelUnits"`
	DesiredModelUnits        int32      `json:"desiredModelUnits"`
	Status                   string     `json:"status"` // Creating InService Updating Failed
	CommitmentDuration       string     `json:"commitmentDuration,omitempty"`
	CommitmentExpirationTime *time.Time `json:"commitmentExpirationTime,omitempty"`
	CreationTime             time.Time  `json:"creationTime"`
	LastModifiedTime         time.Time  `json:"lastModifiedTime"`
}

// FoundationModel is one entry of the Bedrock model catalog, shaped as
// ListFoundationModels summarises it.
type FoundationModel struct {
	ModelID                    string          `json:"modelId"`
	ModelARN                   string          `json:"modelArn,omitempty"` // filled per region when empty
	ModelName                  string          `json:"modelName"`
	ProviderName               string          `json:"providerName"`
	InputModalities            []string        `json:"inputModalities"`
	OutputModalities           []string        `json:"outputModalities"`
	ResponseStreamingSupported bool            `json:"responseStreamingSupported"`
	CustomizationsSupported    []string        `json:"customizationsSupported"`
	InferenceTypesSupported    []string        `json:"inferenceTypesSupported"`
	ModelLifecycle             *ModelLifecycle `json:"modelLifecycle,omitempty"`
}

type ModelLifecycle struct {
	Status string `json:"status"` // ACTIVE LEGACY
}

// ModelAccess is an account's access to a foundation model in a region,
// shaped as GetFoundationModelAvailability returns it. Models without an
// entry are reported as not authorized and not agreed.
type ModelAccess struct {
	ModelID                 string          `json:"modelId"`
	AgreementAvailability   AgreementStatus `json:"agreementAvailability"`
	AuthorizationStatus     string          `json:"authorizationStatus"`     // AUTHORIZED NOT_AUTHORIZED
	EntitlementAvailability string          `json:"entitlementAvailability"` // AVAILABLE NOT_AVAILABLE
	RegionAvailability      string          `json:"regionAvailability"`      // AVAILABLE NOT_AVAILABLE
}

type AgreementStatus struct {
	Status       string `json:"status"` // AVAILABLE PENDING NOT_AVAILABLE ERROR
	ErrorMessage string `json:"errorMessage,omitempty"`
}

// LoggingConfig is the model invocation logging configuration, shaped as
// GetModelInvocationLoggingConfiguration returns it in loggingConfig.
type LoggingConfig struct {
	CloudWatchConfig             *CloudWatchConfig `json:"cloudWatchConfig,omitempty"`
	S3Config                     *S3Config         `json:"s3Config,omitempty"`
	TextDataDeliveryEnabled      bool              `json:"textDataDeliveryEnabled"`
	ImageDataDeliveryEnabled     bool              `json:"imageDataDeliveryEnabled"`
	EmbeddingDataDeliveryEnabled bool              `json:"embeddingDataDeliveryEnabled"`
	VideoDataDeliveryEnabled     bool              `json:"videoDataDeliveryEnabled"`
	AudioDataDeliveryEnabled     bool              `json:"audioDataDeliveryEnabled"`
}

type CloudWatchConfig struct {
	LogGroupName              string    `json:"logGroupName"`
	RoleARN                   string    `json:"roleArn"`
	LargeDataDeliveryS3Config *S3Config `json:"largeDataDeliveryS3Config,omitempty"`
}

type S3Config struct {
	BucketName string `json:"bucketName"`
	KeyPrefix  string `json:"keyPrefix,omitempty"`
}
