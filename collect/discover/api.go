package discover

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
)

// AgentsAPI is the part of the Agents for Amazon Bedrock client discovery
// uses.
type AgentsAPI interface {
	bedrockagent.ListKnowledgeBasesAPIClient
	bedrockagent.ListDataSourcesAPIClient
	bedrockagent.ListAgentsAPIClient
	bedrockagent.ListAgentVersionsAPIClient
	bedrockagent.ListAgentActionGroupsAPIClient
	GetKnowledgeBase(ctx context.Context, in *bedrockagent.GetKnowledgeBaseInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetKnowledgeBaseOutput, error)
	GetDataSource(ctx context.Context, in *bedrockagent.GetDataSourceInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetDataSourceOutput, error)
	GetAgent(ctx context.Context, in *bedrockagent.GetAgentInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetAgentOutput, error)
	GetAgentVersion(ctx context.Context, in *bedrockagent.GetAgentVersionInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetAgentVersionOutput, error)
	GetAgentActionGroup(ctx context.Context, in *bedrockagent.GetAgentActionGroupInput, opts ...func(*bedrockagent.Options)) (*bedrockagent.GetAgentActionGroupOutput, error)
}

// BedrockAPI is the part of the Amazon Bedrock client discovery uses.
type BedrockAPI interface {
	bedrock.ListCustomModelsAPIClient
	bedrock.ListImportedModelsAPIClient
	bedrock.ListModelCustomizationJobsAPIClient
	GetModelCustomizationJob(ctx context.Context, in *bedrock.GetModelCustomizationJobInput, opts ...func(*bedrock.Options)) (*bedrock.GetModelCustomizationJobOutput, error)
	GetCustomModel(ctx context.Context, in *bedrock.GetCustomModelInput, opts ...func(*bedrock.Options)) (*bedrock.GetCustomModelOutput, error)
	GetImportedModel(ctx context.Context, in *bedrock.GetImportedModelInput, opts ...func(*bedrock.Options)) (*bedrock.GetImportedModelOutput, error)
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, opts ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
}

// LambdaAPI is the Lambda call discovery uses to learn a function's role.
type LambdaAPI interface {
	GetFunction(ctx context.Context, in *lambda.GetFunctionInput, opts ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error)
}

// SageMakerAPI is the part of the Amazon SageMaker client discovery uses:
// models, the model registry and endpoint configurations.
type SageMakerAPI interface {
	sagemaker.ListModelsAPIClient
	sagemaker.ListModelPackageGroupsAPIClient
	sagemaker.ListModelPackagesAPIClient
	sagemaker.ListEndpointConfigsAPIClient
	DescribeModel(ctx context.Context, in *sagemaker.DescribeModelInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeModelOutput, error)
	DescribeModelPackage(ctx context.Context, in *sagemaker.DescribeModelPackageInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeModelPackageOutput, error)
	DescribeEndpointConfig(ctx context.Context, in *sagemaker.DescribeEndpointConfigInput, opts ...func(*sagemaker.Options)) (*sagemaker.DescribeEndpointConfigOutput, error)
}
