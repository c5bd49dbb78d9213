package bedrockconf

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// customizationJobs snapshots every model customization job, failed and
// stopped ones included: the role it ran as, its training and validation
// data, hyper parameters, output location and what it produced.
func (c *Config) customizationJobs(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var arns []string
	p := bedrock.NewListModelCustomizationJobsPaginator(api, &bedrock.ListModelCustomizationJobsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list customization jobs %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, j := range page.ModelCustomizationJobSummaries {
			arns = append(arns, aws.ToString(j.JobArn))
		}
	}
	for _, arn := range arns {
		j, err := api.GetModelCustomizationJob(ctx, &bedrock.GetModelCustomizationJobInput{JobIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("bedrockconf: get customization job %s: %w", arn, err)
		}
		norm := map[string]any{
			"role_arn": j.RoleArn, "base_model_arn": j.BaseModelArn, "customization_type": j.CustomizationType,
			"output_model_arn": j.OutputModelArn, "output_model_name": j.OutputModelName, "output_model_kms_key_arn": j.OutputModelKmsKeyArn,
			"hyper_parameters": j.HyperParameters, "training_data": j.TrainingDataConfig, "validation_data": j.ValidationDataConfig,
			"output_data": j.OutputDataConfig, "vpc": j.VpcConfig, "failure_message": j.FailureMessage, "end_time": j.EndTime,
			"status_details": j.StatusDetails,
		}
		row := &schemas.Resource{
			Kind: schemas.KindCustomizationJob, ARN: aws.ToString(j.JobArn), ID: aws.ToString(j.JobName), Name: aws.ToString(j.JobName),
			Status: string(j.Status), CreatedAt: aws.ToTime(j.CreationTime).UTC(), UpdatedAt: aws.ToTime(j.LastModifiedTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "GetModelCustomizationJob", j.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}

// provisioned snapshots every provisioned throughput: which model it
// serves, its units and its commitment.
func (c *Config) provisioned(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	p := bedrock.NewListProvisionedModelThroughputsPaginator(api, &bedrock.ListProvisionedModelThroughputsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list provisioned throughput %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		raw, err := snapshot.Elements(page.ResultMetadata, "provisionedModelSummaries")
		if err != nil {
			return fmt.Errorf("bedrockconf: list provisioned throughput %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for i, pt := range page.ProvisionedModelSummaries {
			norm := map[string]any{
				"model_arn": pt.ModelArn, "desired_model_arn": pt.DesiredModelArn, "foundation_model_arn": pt.FoundationModelArn,
				"model_units": pt.ModelUnits, "desired_model_units": pt.DesiredModelUnits,
				"commitment": pt.CommitmentDuration, "commitment_expires": pt.CommitmentExpirationTime,
			}
			row := &schemas.Resource{
				Kind: schemas.KindProvisionedThroughput, ARN: aws.ToString(pt.ProvisionedModelArn), ID: aws.ToString(pt.ProvisionedModelName),
				Name: aws.ToString(pt.ProvisionedModelName), Status: string(pt.Status),
				CreatedAt: aws.ToTime(pt.CreationTime).UTC(), UpdatedAt: aws.ToTime(pt.LastModifiedTime).UTC(),
			}
			call := snapshot.Call{Operation: "ListProvisionedModelThroughputs", Metadata: page.ResultMetadata, Raw: snapshot.Element(raw, i)}
			if err := c.putCall(ctx, sink, u, row, norm, call); err != nil {
				return err
			}
		}
	}
	return nil
}
