package discover

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"

	"github.com/custodyhq/custody/collect"
)

// sageMakerModels finds the artifacts of every SageMaker model and the
// role each runs as.
func sageMakerModels(ctx context.Context, api SageMakerAPI, t collect.Target, f *Found) error {
	var names []string
	p := sagemaker.NewListModelsPaginator(api, &sagemaker.ListModelsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list sagemaker models %s/%s: %w", t.Account, t.Region, err)
		}
		for _, m := range page.Models {
			names = append(names, aws.ToString(m.ModelName))
		}
	}
	for _, name := range names {
		out, err := api.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("discover: describe sagemaker model %s: %w", name, err)
		}
		arn := aws.ToString(out.ModelArn)
		if r := aws.ToString(out.ExecutionRoleArn); r != "" {
			f.Roles = append(f.Roles, Role{ARN: r, LedBy: arn})
		}
		f.addURIs(ModelDataURIs(out.PrimaryContainer, out.Containers), arn)
	}
	return nil
}

// dataCaptures finds where each endpoint configuration captures its
// endpoint's requests and responses, and where an asynchronous endpoint
// writes its answers and failures: evidence of what the model was asked
// and answered. A configuration whose capture is switched off still names
// where earlier captures lie.
func dataCaptures(ctx context.Context, api SageMakerAPI, t collect.Target, f *Found) error {
	var names []string
	p := sagemaker.NewListEndpointConfigsPaginator(api, &sagemaker.ListEndpointConfigsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("discover: list sagemaker endpoint configs %s/%s: %w", t.Account, t.Region, err)
		}
		for _, c := range page.EndpointConfigs {
			names = append(names, aws.ToString(c.EndpointConfigName))
		}
	}
	for _, name := range names {
		out, err := api.DescribeEndpointConfig(ctx, &sagemaker.DescribeEndpointConfigInput{EndpointConfigName: aws.String(name)})
		if err != nil {
			return fmt.Errorf("discover: describe sagemaker endpoint config %s: %w", name, err)
		}
		var uris []string
		if c := out.DataCaptureConfig; c != nil {
			// SageMaker writes under <uri>/<endpoint>/: the URI is a folder.
			uris = append(uris, aws.ToString(c.DestinationS3Uri))
		}
		if c := out.AsyncInferenceConfig; c != nil && c.OutputConfig != nil {
			// <path>/<inference id>.out and <path>/<inference id>-error.out.
			uris = append(uris, aws.ToString(c.OutputConfig.S3OutputPath), aws.ToString(c.OutputConfig.S3FailurePath))
		}
		f.addURIs(folders(uris), aws.ToString(out.EndpointConfigArn))
	}
	return nil
}

// folders turns S3 URIs SageMaker writes under into folder URIs, ending
// in "/"; empty ones are dropped.
func folders(uris []string) []string {
	var out []string
	for _, u := range uris {
		if u != "" {
			out = append(out, strings.TrimSuffix(u, "/")+"/")
		}
	}
	return out
}

// ModelDataURIs are the S3 URIs of the model data of a model's
// containers: the artifact (ModelDataUrl) and uncompressed model data
// (ModelDataSource).
func ModelDataURIs(primary *types.ContainerDefinition, containers []types.ContainerDefinition) []string {
	var uris []string
	for _, c := range append([]types.ContainerDefinition{deref(primary)}, containers...) {
		uris = append(uris, modelData(c.ModelDataUrl, c.ModelDataSource)...)
	}
	return uris
}

// PackageDataURIs are the S3 URIs of the model data of a model package's
// inference containers.
func PackageDataURIs(spec *types.InferenceSpecification) []string {
	if spec == nil {
		return nil
	}
	var uris []string
	for _, c := range spec.Containers {
		uris = append(uris, modelData(c.ModelDataUrl, c.ModelDataSource)...)
	}
	return uris
}

func modelData(url *string, src *types.ModelDataSource) []string {
	var uris []string
	if u := aws.ToString(url); u != "" {
		uris = append(uris, u)
	}
	if src != nil && src.S3DataSource != nil && aws.ToString(src.S3DataSource.S3Uri) != "" {
		uris = append(uris, aws.ToString(src.S3DataSource.S3Uri))
	}
	return uris
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// modelPackages finds the model data of every model package: each
// version of each model package group, and the unversioned packages.
func modelPackages(ctx context.Context, api SageMakerAPI, t collect.Target, f *Found) error {
	arns, err := ModelPackageARNs(ctx, api)
	if err != nil {
		return fmt.Errorf("discover: model packages %s/%s: %w", t.Account, t.Region, err)
	}
	for _, arn := range arns {
		out, err := api.DescribeModelPackage(ctx, &sagemaker.DescribeModelPackageInput{ModelPackageName: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("discover: describe model package %s: %w", arn, err)
		}
		f.addURIs(PackageDataURIs(out.InferenceSpecification), arn)
	}
	return nil
}

// ModelPackageARNs lists every model package of a target: the versions of
// each model package group, then the unversioned packages.
func ModelPackageARNs(ctx context.Context, api SageMakerAPI) ([]string, error) {
	groups, err := ModelPackageGroups(ctx, api)
	if err != nil {
		return nil, err
	}
	var arns []string
	for _, g := range groups {
		p := sagemaker.NewListModelPackagesPaginator(api, &sagemaker.ListModelPackagesInput{ModelPackageGroupName: aws.String(g), MaxResults: aws.Int32(100)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("list model packages of group %s: %w", g, err)
			}
			for _, s := range page.ModelPackageSummaryList {
				arns = append(arns, aws.ToString(s.ModelPackageArn))
			}
		}
	}
	p := sagemaker.NewListModelPackagesPaginator(api, &sagemaker.ListModelPackagesInput{ModelPackageType: types.ModelPackageTypeUnversioned, MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list unversioned model packages: %w", err)
		}
		for _, s := range page.ModelPackageSummaryList {
			arns = append(arns, aws.ToString(s.ModelPackageArn))
		}
	}
	return arns, nil
}

// ModelPackageGroups lists the names of a target's model package groups.
func ModelPackageGroups(ctx context.Context, api SageMakerAPI) ([]string, error) {
	var names []string
	p := sagemaker.NewListModelPackageGroupsPaginator(api, &sagemaker.ListModelPackageGroupsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list model package groups: %w", err)
		}
		for _, g := range page.ModelPackageGroupSummaryList {
			names = append(names, aws.ToString(g.ModelPackageGroupName))
		}
	}
	return names, nil
}
