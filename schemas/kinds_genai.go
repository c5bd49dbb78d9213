package schemas

// Evidence kinds of the SageMaker configuration and of Bedrock's prompt
// management, flows and inference profiles. Kinds are persisted: never
// rename one.
const (
	KindSageMakerModel    = "aws.sagemaker.model"
	KindModelPackageGroup = "aws.sagemaker.model-package-group"
	KindModelPackage      = "aws.sagemaker.model-package" // one version of a group, or an unversioned package
	KindEndpointConfig    = "aws.sagemaker.endpoint-config"
	KindEndpoint          = "aws.sagemaker.endpoint"

	KindInferenceProfile = "aws.bedrock.inference-profile" // system-defined or application
	KindPrompt           = "aws.bedrock.prompt"            // one version of a managed prompt, DRAFT included
	KindFlow             = "aws.bedrock.flow"              // a flow's working draft
	KindFlowVersion      = "aws.bedrock.flow-version"
	KindFlowAlias        = "aws.bedrock.flow-alias"
)
