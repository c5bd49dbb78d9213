package sagemakerconf

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/schemas"
)

// models snapshots every model: its containers (image, artifact,
// environment), the role it runs as and its network settings.
func (c *Config) models(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var names []string
	p := sagemaker.NewListModelsPaginator(api, &sagemaker.ListModelsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("sagemakerconf: list models %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, m := range page.Models {
			names = append(names, aws.ToString(m.ModelName))
		}
	}
	for _, name := range names {
		out, err := api.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("sagemakerconf: describe model %s: %w", name, err)
		}
		norm := map[string]any{
			"execution_role_arn": out.ExecutionRoleArn, "primary_container": out.PrimaryContainer, "containers": out.Containers,
			"model_data": discover.ModelDataURIs(out.PrimaryContainer, out.Containers), "vpc": out.VpcConfig,
			"network_isolation": out.EnableNetworkIsolation, "inference_execution": out.InferenceExecutionConfig,
		}
		row := &schemas.Resource{
			Kind: schemas.KindSageMakerModel, ARN: aws.ToString(out.ModelArn), ID: aws.ToString(out.ModelName), Name: aws.ToString(out.ModelName),
			CreatedAt: aws.ToTime(out.CreationTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "DescribeModel", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}

// modelPackages snapshots every model package group, then every package:
// each version of each group and the unversioned ones, with its inference
// containers, artifacts and approval.
func (c *Config) modelPackages(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	groups, err := discover.ModelPackageGroups(ctx, api)
	if err != nil {
		return fmt.Errorf("sagemakerconf: %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	for _, g := range groups {
		out, err := api.DescribeModelPackageGroup(ctx, &sagemaker.DescribeModelPackageGroupInput{ModelPackageGroupName: aws.String(g)})
		if err != nil {
			return fmt.Errorf("sagemakerconf: describe model package group %s: %w", g, err)
		}
		norm := map[string]any{
			"description": out.ModelPackageGroupDescription, "created_by": out.CreatedBy, "managed": out.ManagedConfiguration,
		}
		row := &schemas.Resource{
			Kind: schemas.KindModelPackageGroup, ARN: aws.ToString(out.ModelPackageGroupArn), ID: g, Name: g,
			Status: string(out.ModelPackageGroupStatus), CreatedAt: aws.ToTime(out.CreationTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "DescribeModelPackageGroup", out.ResultMetadata); err != nil {
			return err
		}
	}
	arns, err := discover.ModelPackageARNs(ctx, api)
	if err != nil {
		return fmt.Errorf("sagemakerconf: %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	for _, arn := range arns {
		out, err := api.DescribeModelPackage(ctx, &sagemaker.DescribeModelPackageInput{ModelPackageName: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("sagemakerconf: describe model package %s: %w", arn, err)
		}
		norm := map[string]any{
			"group": out.ModelPackageGroupName, "version": out.ModelPackageVersion, "description": out.ModelPackageDescription,
			"approval": out.ModelApprovalStatus, "approval_description": out.ApprovalDescription,
			"inference_specification": out.InferenceSpecification, "model_data": discover.PackageDataURIs(out.InferenceSpecification),
			"status_details": out.ModelPackageStatusDetails, "created_by": out.CreatedBy, "last_modified_by": out.LastModifiedBy,
			"customer_metadata": out.CustomerMetadataProperties, "metrics": out.ModelMetrics, "domain": out.Domain, "task": out.Task,
			"source_uri": out.SourceUri, "source_algorithm": out.SourceAlgorithmSpecification, "sample_payload_url": out.SamplePayloadUrl,
			"certify_for_marketplace": out.CertifyForMarketplace, "security": out.SecurityConfig,
		}
		id := aws.ToString(out.ModelPackageName)
		if v := aws.ToInt32(out.ModelPackageVersion); v != 0 {
			id += "/" + strconv.Itoa(int(v))
		}
		row := &schemas.Resource{
			Kind: schemas.KindModelPackage, ARN: aws.ToString(out.ModelPackageArn), ID: id, Name: aws.ToString(out.ModelPackageName),
			Status: string(out.ModelPackageStatus), CreatedAt: aws.ToTime(out.CreationTime).UTC(), UpdatedAt: aws.ToTime(out.LastModifiedTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "DescribeModelPackage", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}
