package discover

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/custodyhq/custody/collect"
)

// customModels finds the training and validation data of every custom
// model.
func customModels(ctx context.Context, api BedrockAPI, t collect.Target, f *Found) error {
	var custom []string
	cp := bedrock.NewListCustomModelsPaginator(api, &bedrock.ListCustomModelsInput{})
	for cp.HasMorePages() {
		page, err := cp.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list custom models %s/%s: %w", t.Account, t.Region, err)
		}
		for _, m := range page.ModelSummaries {
			custom = append(custom, aws.ToString(m.ModelArn))
		}
	}
	for _, arn := range custom {
		out, err := api.GetCustomModel(ctx, &bedrock.GetCustomModelInput{ModelIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("discover: get custom model %s: %w", arn, err)
		}
		f.addURIs(dataURIs(out.TrainingDataConfig, out.ValidationDataConfig), aws.ToString(out.ModelArn))
	}
	return nil
}

// importedModels finds the S3 source of every imported model.
func importedModels(ctx context.Context, api BedrockAPI, t collect.Target, f *Found) error {
	var imported []string
	ip := bedrock.NewListImportedModelsPaginator(api, &bedrock.ListImportedModelsInput{})
	for ip.HasMorePages() {
		page, err := ip.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list imported models %s/%s: %w", t.Account, t.Region, err)
		}
		for _, m := range page.ModelSummaries {
			imported = append(imported, aws.ToString(m.ModelArn))
		}
	}
	for _, arn := range imported {
		out, err := api.GetImportedModel(ctx, &bedrock.GetImportedModelInput{ModelIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("discover: get imported model %s: %w", arn, err)
		}
		if s, ok := out.ModelDataSource.(*types.ModelDataSourceMemberS3DataSource); ok {
			f.addURIs([]string{aws.ToString(s.Value.S3Uri)}, aws.ToString(out.ModelArn))
		}
	}
	return nil
}

// loggingRole finds the role invocation logging delivers as.
func loggingRole(ctx context.Context, api BedrockAPI, t collect.Target, f *Found) error {
	lc, err := api.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return fmt.Errorf("discover: get invocation logging configuration %s/%s: %w", t.Account, t.Region, err)
	}
	if c := lc.LoggingConfig; c != nil && c.CloudWatchConfig != nil && aws.ToString(c.CloudWatchConfig.RoleArn) != "" {
		f.Roles = append(f.Roles, Role{ARN: aws.ToString(c.CloudWatchConfig.RoleArn),
			LedBy: fmt.Sprintf("arn:aws:bedrock:%s:%s:model-invocation-logging", t.Region, t.Account)})
	}
	return nil
}

// jobs finds each customization job's role, its training and validation
// data and its output location (metrics and artifacts it wrote), failed
// jobs included.
func jobs(ctx context.Context, api BedrockAPI, t collect.Target, f *Found) error {
	var arns []string
	p := bedrock.NewListModelCustomizationJobsPaginator(api, &bedrock.ListModelCustomizationJobsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list customization jobs %s/%s: %w", t.Account, t.Region, err)
		}
		for _, j := range page.ModelCustomizationJobSummaries {
			arns = append(arns, aws.ToString(j.JobArn))
		}
	}
	for _, arn := range arns {
		out, err := api.GetModelCustomizationJob(ctx, &bedrock.GetModelCustomizationJobInput{JobIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("discover: get customization job %s: %w", arn, err)
		}
		if r := aws.ToString(out.RoleArn); r != "" {
			f.Roles = append(f.Roles, Role{ARN: r, LedBy: arn})
		}
		f.addURIs(dataURIs(out.TrainingDataConfig, out.ValidationDataConfig), arn)
		if o := out.OutputDataConfig; o != nil {
			f.addURIs([]string{aws.ToString(o.S3Uri)}, arn)
		}
	}
	return nil
}

// dataURIs are the S3 URIs of a customization's training and validation
// data.
func dataURIs(training *types.TrainingDataConfig, validation *types.ValidationDataConfig) []string {
	var uris []string
	if training != nil {
		uris = append(uris, aws.ToString(training.S3Uri))
	}
	if validation != nil {
		for _, v := range validation.Validators {
			uris = append(uris, aws.ToString(v.S3Uri))
		}
	}
	return uris
}

// addURIs adds the S3 locations of s3:// URIs.
func (f *Found) addURIs(uris []string, ledBy string) {
	for _, u := range uris {
		if bucket, key, ok := ParseS3URI(u); ok {
			f.Locations = append(f.Locations, Location{Bucket: bucket, Prefix: key, LedBy: ledBy})
		}
	}
}
