package collect

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/account"
	accounttypes "github.com/aws/aws-sdk-go-v2/service/account/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// enabledRegions lists the regions enabled in the account of cfg: through
// the Account Management API (account:ListRegions), and where that is
// refused or unavailable, through EC2 DescribeRegions, which incident
// roles are far more often allowed and which answers from any enabled
// region. Both failing is returned with both causes.
func enabledRegions(ctx context.Context, cfg aws.Config) ([]string, error) {
	names, err := accountRegions(ctx, account.NewFromConfig(cfg))
	if err == nil {
		return names, nil
	}
	names, ec2Err := ec2Regions(ctx, ec2.NewFromConfig(cfg))
	if ec2Err == nil {
		return names, nil
	}
	return nil, fmt.Errorf("account ListRegions: %w; ec2 DescribeRegions: %w", err, ec2Err)
}

func accountRegions(ctx context.Context, c account.ListRegionsAPIClient) ([]string, error) {
	var names []string
	p := account.NewListRegionsPaginator(c, &account.ListRegionsInput{
		RegionOptStatusContains: []accounttypes.RegionOptStatus{accounttypes.RegionOptStatusEnabled, accounttypes.RegionOptStatusEnabledByDefault},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Regions {
			names = append(names, aws.ToString(r.RegionName))
		}
	}
	return names, nil
}

// ec2Regions asks for the enabled regions by their opt-in status rather
// than trusting the default (enabled only) to stay the default.
func ec2Regions(ctx context.Context, c *ec2.Client) ([]string, error) {
	out, err := c.DescribeRegions(ctx, &ec2.DescribeRegionsInput{
		AllRegions: aws.Bool(true),
		Filters:    []ec2types.Filter{{Name: aws.String("opt-in-status"), Values: []string{"opt-in-not-required", "opted-in"}}},
	})
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out.Regions))
	for _, r := range out.Regions {
		names = append(names, aws.ToString(r.RegionName))
	}
	return names, nil
}
