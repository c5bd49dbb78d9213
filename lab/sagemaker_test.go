package lab

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker/types"
	"github.com/aws/smithy-go"
)

// Every SageMaker resource of the scenario reaches the real client with
// every member the lab sends, through listings paged one item at a time;
// a missing resource is the ValidationException SageMaker answers, and a
// change is refused.
func TestRoundTripSageMaker(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := sagemaker.NewFromConfig(cfg)
	r := builtin().Account(ProdAccount).Regions["us-east-1"]
	if len(r.SageMakerModels) < 2 || len(r.ModelPackageGroups) == 0 || len(r.Endpoints) == 0 || len(r.EndpointConfigs) == 0 {
		t.Fatal("the scenario holds no SageMaker footprint: the test proves nothing")
	}
	one := aws.Int32(1)

	var models []string
	mp := sagemaker.NewListModelsPaginator(cl, &sagemaker.ListModelsInput{MaxResults: one, SortOrder: types.OrderKeyAscending})
	for mp.HasMorePages() {
		page, err := mp.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListModels", rec.body(), page)
		for _, m := range page.Models {
			models = append(models, aws.ToString(m.ModelName))
		}
	}
	if len(models) != len(r.SageMakerModels) {
		t.Fatalf("models listed = %q, scenario holds %d", models, len(r.SageMakerModels))
	}
	for i, m := range r.SageMakerModels {
		if models[i] != m.ModelName {
			t.Errorf("model %d (oldest first) = %s, want %s", i, models[i], m.ModelName)
		}
		out, err := cl.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String(m.ModelName)})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "DescribeModel", rec.body(), out)
		if aws.ToString(out.PrimaryContainer.ModelDataUrl) != m.PrimaryContainer.ModelDataUrl || aws.ToString(out.ExecutionRoleArn) != m.ExecutionRoleArn {
			t.Errorf("model %s = %+v", m.ModelName, out)
		}
	}

	for _, g := range r.ModelPackageGroups {
		gp, err := cl.ListModelPackageGroups(ctx, &sagemaker.ListModelPackageGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListModelPackageGroups", rec.body(), gp)
		dg, err := cl.DescribeModelPackageGroup(ctx, &sagemaker.DescribeModelPackageGroupInput{ModelPackageGroupName: aws.String(g.ModelPackageGroupName)})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "DescribeModelPackageGroup", rec.body(), dg)
		var arns []string
		pp := sagemaker.NewListModelPackagesPaginator(cl, &sagemaker.ListModelPackagesInput{ModelPackageGroupName: aws.String(g.ModelPackageGroupName), MaxResults: one})
		for pp.HasMorePages() {
			page, err := pp.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "ListModelPackages", rec.body(), page)
			for _, p := range page.ModelPackageSummaryList {
				arns = append(arns, aws.ToString(p.ModelPackageArn))
			}
		}
		if len(arns) != len(g.ModelPackages) {
			t.Fatalf("packages of %s = %q, want %d", g.ModelPackageGroupName, arns, len(g.ModelPackages))
		}
		for _, arn := range arns {
			out, err := cl.DescribeModelPackage(ctx, &sagemaker.DescribeModelPackageInput{ModelPackageName: aws.String(arn)})
			if err != nil {
				t.Fatal(err)
			}
			arrived(t, "DescribeModelPackage", rec.body(), out)
		}
		// Without a group, only unversioned packages are listed unless
		// asked for.
		un, err := cl.ListModelPackages(ctx, &sagemaker.ListModelPackagesInput{})
		if err != nil || len(un.ModelPackageSummaryList) != len(r.ModelPackages) {
			t.Errorf("unversioned packages = %v, %v", un, err)
		}
		both, err := cl.ListModelPackages(ctx, &sagemaker.ListModelPackagesInput{ModelPackageType: types.ModelPackageTypeBoth, MaxResults: aws.Int32(100)})
		if err != nil || len(both.ModelPackageSummaryList) != len(r.ModelPackages)+len(g.ModelPackages) {
			t.Errorf("all packages = %v, %v", both, err)
		}
	}

	for _, e := range r.EndpointConfigs {
		lc, err := cl.ListEndpointConfigs(ctx, &sagemaker.ListEndpointConfigsInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListEndpointConfigs", rec.body(), lc)
		out, err := cl.DescribeEndpointConfig(ctx, &sagemaker.DescribeEndpointConfigInput{EndpointConfigName: aws.String(e.EndpointConfigName)})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "DescribeEndpointConfig", rec.body(), out)
	}
	for _, e := range r.Endpoints {
		le, err := cl.ListEndpoints(ctx, &sagemaker.ListEndpointsInput{})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListEndpoints", rec.body(), le)
		out, err := cl.DescribeEndpoint(ctx, &sagemaker.DescribeEndpointInput{EndpointName: aws.String(e.EndpointName)})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "DescribeEndpoint", rec.body(), out)
		if out.EndpointStatus != types.EndpointStatusInService || !out.CreationTime.Equal(e.CreationTime.Time()) {
			t.Errorf("endpoint %s = %s %s", e.EndpointName, out.EndpointStatus, out.CreationTime)
		}
	}

	var ae smithy.APIError
	if _, err := cl.DescribeModel(ctx, &sagemaker.DescribeModelInput{ModelName: aws.String("absent")}); !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" {
		t.Errorf("absent model: %v", err)
	}
	if _, err := cl.DeleteEndpoint(ctx, &sagemaker.DeleteEndpointInput{EndpointName: aws.String(SageMakerEndpoint)}); !errors.As(err, &ae) || ae.ErrorCode() != "AccessDeniedException" {
		t.Errorf("DeleteEndpoint: %v", err)
	}
	// The dev account has no SageMaker footprint: empty listings.
	dcfg, _ := memberConfig(t, s, url, DevAccount, "us-east-1")
	if out, err := sagemaker.NewFromConfig(dcfg).ListModels(ctx, &sagemaker.ListModelsInput{}); err != nil || len(out.Models) != 0 {
		t.Errorf("dev models = %v, %v", out, err)
	}
}
