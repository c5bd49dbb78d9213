package invlogs

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/custodyhq/custody/collect"
)

// BedrockStream is the log stream Bedrock writes invocation logs to in the
// log group its logging configuration names.
const BedrockStream = "aws/bedrock/modelinvocations"

// SearchAPI lists log groups and their streams. The CloudWatch Logs client
// has it; a client without it is not searched.
type SearchAPI interface {
	cloudwatchlogs.DescribeLogGroupsAPIClient
	DescribeLogStreams(ctx context.Context, in *cloudwatchlogs.DescribeLogStreamsInput, opts ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error)
}

// searchGroups finds the log groups of a target that hold Bedrock's
// invocation-log stream. Deleting the logging configuration, as an attacker
// covering their tracks does, leaves the logs already delivered in place:
// they are found by the stream Bedrock wrote, not by the configuration.
func searchGroups(ctx context.Context, api SearchAPI) ([]string, error) {
	var found []string
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(api, &cloudwatchlogs.DescribeLogGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("invlogs: describe log groups: %w", err)
		}
		for _, g := range page.LogGroups {
			name := aws.ToString(g.LogGroupName)
			out, err := api.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{
				LogGroupName: aws.String(name), LogStreamNamePrefix: aws.String(BedrockStream), Limit: aws.Int32(1),
			})
			if err != nil {
				return nil, fmt.Errorf("invlogs: describe log streams of %s: %w", name, err)
			}
			if len(out.LogStreams) > 0 {
				found = append(found, name)
			}
		}
	}
	return found, nil
}

// searched reads, besides the configured group, every group that holds
// Bedrock's stream and was not read already.
func (l *Logs) searched(ctx context.Context, u collect.Unit, sink collect.Sink, done []string) error {
	c, err := l.Client(u.Target)
	if err != nil {
		return err
	}
	api, ok := c.(SearchAPI)
	if !ok {
		return nil
	}
	groups, err := searchGroups(ctx, api)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if slices.Contains(done, g) || slices.Contains(l.groups(u.Target), g) {
			continue
		}
		if err := l.read(ctx, u, g, sink); err != nil {
			return err
		}
	}
	return nil
}
