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
// stopped ones included, as the listing describes it; each row keeps its
// element of the listing byte-exact.
func (c *Config) customizationJobs(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	p := bedrock.NewListModelCustomizationJobsPaginator(api, &bedrock.ListModelCustomizationJobsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list customization jobs %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		raw, err := snapshot.Elements(page.ResultMetadata, "modelCustomizationJobSummaries")
		if err != nil {
			return fmt.Errorf("bedrockconf: list customization jobs %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for i, j := range page.ModelCustomizationJobSummaries {
			norm := map[string]any{
				"base_model_arn": j.BaseModelArn, "custom_model_arn": j.CustomModelArn, "custom_model_name": j.CustomModelName,
				"customization_type": j.CustomizationType, "end_time": j.EndTime, "status_details": j.StatusDetails,
			}
			row := &schemas.Resource{
				Kind: schemas.KindCustomizationJob, ARN: aws.ToString(j.JobArn), ID: aws.ToString(j.JobName), Name: aws.ToString(j.JobName),
				Status: string(j.Status), CreatedAt: aws.ToTime(j.CreationTime).UTC(), UpdatedAt: aws.ToTime(j.LastModifiedTime).UTC(),
			}
			call := snapshot.Call{Operation: "ListModelCustomizationJobs", Metadata: page.ResultMetadata, Raw: snapshot.Element(raw, i)}
			if err := c.putCall(ctx, sink, u, row, norm, call); err != nil {
				return err
			}
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
