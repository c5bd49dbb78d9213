package lab

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestEC2DescribeRegions(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := ec2.NewFromConfig(cfg)
	ctx := context.Background()
	names := func(rs []ec2types.Region) []string {
		var out []string
		for _, r := range rs {
			out = append(out, aws.ToString(r.RegionName))
		}
		return out
	}

	out, err := cl.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(out.Regions); !slices.Equal(got, commercialRegions) {
		t.Errorf("enabled regions = %v, want %v", got, commercialRegions)
	}
	if r := out.Regions[0]; aws.ToString(r.OptInStatus) != "opt-in-not-required" || !strings.HasPrefix(aws.ToString(r.Endpoint), "ec2.") {
		t.Errorf("first region decoded as %+v", r)
	}
	if body := string(rec.body()); !strings.Contains(body, "<requestId>") || strings.Contains(body, "Result>") {
		t.Errorf("response is not shaped as EC2's: %.200s", body)
	}

	all, err := cl.DescribeRegions(ctx, &ec2.DescribeRegionsInput{
		AllRegions: aws.Bool(true),
		Filters:    []ec2types.Filter{{Name: aws.String("opt-in-status"), Values: []string{"not-opted-in"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(all.Regions); !slices.Equal(got, optInRegions) {
		t.Errorf("not-opted-in regions = %v, want %v", got, optInRegions)
	}

	one, err := cl.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"eu-west-1"}})
	if err != nil || !slices.Equal(names(one.Regions), []string{"eu-west-1"}) {
		t.Errorf("by name: %v, %v", one, err)
	}
	_, err = cl.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"xx-nowhere-1"}})
	wantCode(t, err, "InvalidParameterValue")

	// A call that changes state is refused, as the lab refuses every one.
	_, err = cl.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}})
	wantCode(t, err, "UnauthorizedOperation")
}
