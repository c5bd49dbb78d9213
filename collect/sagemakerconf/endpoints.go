package sagemakerconf

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// endpointConfigs snapshots every endpoint configuration: which models its
// variants serve on what, and where it captures requests and responses.
func (c *Config) endpointConfigs(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var names []string
	p := sagemaker.NewListEndpointConfigsPaginator(api, &sagemaker.ListEndpointConfigsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("sagemakerconf: list endpoint configs %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, e := range page.EndpointConfigs {
			names = append(names, aws.ToString(e.EndpointConfigName))
		}
	}
	for _, name := range names {
		out, err := api.DescribeEndpointConfig(ctx, &sagemaker.DescribeEndpointConfigInput{EndpointConfigName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("sagemakerconf: describe endpoint config %s: %w", name, err)
		}
		norm := map[string]any{
			"production_variants": out.ProductionVariants, "shadow_variants": out.ShadowProductionVariants,
			"data_capture": out.DataCaptureConfig, "kms_key_id": out.KmsKeyId, "execution_role_arn": out.ExecutionRoleArn,
			"vpc": out.VpcConfig, "network_isolation": out.EnableNetworkIsolation, "async_inference": out.AsyncInferenceConfig,
			"explainer": out.ExplainerConfig,
		}
		row := &schemas.Resource{
			Kind: schemas.KindEndpointConfig, ARN: aws.ToString(out.EndpointConfigArn), ID: name, Name: name,
			CreatedAt: aws.ToTime(out.CreationTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "DescribeEndpointConfig", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}

// endpoints snapshots every endpoint: the configuration it runs, the
// images its variants resolved to, and its data capture.
func (c *Config) endpoints(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var names []string
	p := sagemaker.NewListEndpointsPaginator(api, &sagemaker.ListEndpointsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("sagemakerconf: list endpoints %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, e := range page.Endpoints {
			names = append(names, aws.ToString(e.EndpointName))
		}
	}
	for _, name := range names {
		out, err := api.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("sagemakerconf: describe endpoint %s: %w", name, err)
		}
		norm := map[string]any{
			"endpoint_config_name": out.EndpointConfigName, "production_variants": out.ProductionVariants,
			"shadow_variants": out.ShadowProductionVariants, "data_capture": out.DataCaptureConfig,
			"failure_reason": out.FailureReason, "last_deployment": out.LastDeploymentConfig,
			"pending_deployment": out.PendingDeploymentSummary, "async_inference": out.AsyncInferenceConfig,
		}
		row := &schemas.Resource{
			Kind: schemas.KindEndpoint, ARN: aws.ToString(out.EndpointArn), ID: name, Name: name, Status: string(out.EndpointStatus),
			CreatedAt: aws.ToTime(out.CreationTime).UTC(), UpdatedAt: aws.ToTime(out.LastModifiedTime).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "DescribeEndpoint", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}
