package bedrockconf

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// ModelsAPI is the part of the Bedrock client that describes models, their
// customization, their throughput and the account's access to them.
type ModelsAPI interface {
	bedrock.ListCustomModelsAPIClient
	bedrock.ListImportedModelsAPIClient
	bedrock.ListModelCustomizationJobsAPIClient
	bedrock.ListProvisionedModelThroughputsAPIClient
	GetCustomModel(ctx context.Context, in *bedrock.GetCustomModelInput, opts ...func(*bedrock.Options)) (*bedrock.GetCustomModelOutput, error)
	GetModelCustomizationJob(ctx context.Context, in *bedrock.GetModelCustomizationJobInput, opts ...func(*bedrock.Options)) (*bedrock.GetModelCustomizationJobOutput, error)
	GetImportedModel(ctx context.Context, in *bedrock.GetImportedModelInput, opts ...func(*bedrock.Options)) (*bedrock.GetImportedModelOutput, error)
	ListFoundationModels(ctx context.Context, in *bedrock.ListFoundationModelsInput, opts ...func(*bedrock.Options)) (*bedrock.ListFoundationModelsOutput, error)
	GetFoundationModelAvailability(ctx context.Context, in *bedrock.GetFoundationModelAvailabilityInput, opts ...func(*bedrock.Options)) (*bedrock.GetFoundationModelAvailabilityOutput, error)
}

// customModels snapshots every custom model with what made it: the
// customization job, base model, training and validation data, hyper
// parameters and output location.
func (c *Config) customModels(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var arns []string
	p := bedrock.NewListCustomModelsPaginator(api, &bedrock.ListCustomModelsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list custom models %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, m := range page.ModelSummaries {
			arns = append(arns, aws.ToString(m.ModelArn))
		}
	}
	for _, arn := range arns {
		out, err := api.GetCustomModel(ctx, &bedrock.GetCustomModelInput{ModelIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("bedrockconf: get custom model %s: %w", arn, err)
		}
		norm := map[string]any{
			"base_model_arn": out.BaseModelArn, "customization_type": out.CustomizationType,
			"job_arn": out.JobArn, "job_name": out.JobName, "hyper_parameters": out.HyperParameters,
			"training_data": out.TrainingDataConfig, "validation_data": out.ValidationDataConfig,
			"output_data": out.OutputDataConfig, "kms_key_arn": out.ModelKmsKeyArn,
			"training_metrics": out.TrainingMetrics, "validation_metrics": out.ValidationMetrics,
			"failure_message": out.FailureMessage,
		}
		row := &schemas.Resource{
			Kind: schemas.KindCustomModel, ARN: aws.ToString(out.ModelArn), ID: aws.ToString(out.ModelName),
			Name: aws.ToString(out.ModelName), Status: string(out.ModelStatus), CreatedAt: aws.ToTime(out.CreationTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "GetCustomModel", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}

// importedModels snapshots every imported model with the S3 location its
// weights came from.
func (c *Config) importedModels(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var arns []string
	p := bedrock.NewListImportedModelsPaginator(api, &bedrock.ListImportedModelsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list imported models %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, m := range page.ModelSummaries {
			arns = append(arns, aws.ToString(m.ModelArn))
		}
	}
	for _, arn := range arns {
		out, err := api.GetImportedModel(ctx, &bedrock.GetImportedModelInput{ModelIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("bedrockconf: get imported model %s: %w", arn, err)
		}
		norm := map[string]any{
			"architecture": out.ModelArchitecture, "instruct_supported": out.InstructSupported,
			"job_arn": out.JobArn, "job_name": out.JobName, "kms_key_arn": out.ModelKmsKeyArn,
			"source_s3_uri": nil,
		}
		if s, ok := out.ModelDataSource.(*types.ModelDataSourceMemberS3DataSource); ok {
			norm["source_s3_uri"] = s.Value.S3Uri
		}
		row := &schemas.Resource{
			Kind: schemas.KindImportedModel, ARN: aws.ToString(out.ModelArn), ID: aws.ToString(out.ModelName),
			Name: aws.ToString(out.ModelName), CreatedAt: aws.ToTime(out.CreationTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "GetImportedModel", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}
