package bedrockconf

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// ProfilesAPI is the part of the Bedrock client that describes inference
// profiles.
type ProfilesAPI interface {
	bedrock.ListInferenceProfilesAPIClient
	GetInferenceProfile(ctx context.Context, in *bedrock.GetInferenceProfileInput, opts ...func(*bedrock.Options)) (*bedrock.GetInferenceProfileOutput, error)
}

// inferenceProfiles snapshots every inference profile, system-defined
// (cross-region routing) and application (an account's own, which can
// route a model's calls and hide them behind another name), with the
// models each routes to. Each type is asked for by name.
func (c *Config) inferenceProfiles(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var arns []string
	for _, typ := range []types.InferenceProfileType{types.InferenceProfileTypeSystemDefined, types.InferenceProfileTypeApplication} {
		p := bedrock.NewListInferenceProfilesPaginator(api, &bedrock.ListInferenceProfilesInput{TypeEquals: typ})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("bedrockconf: list %s inference profiles %s/%s: %w", typ, u.Target.Account, u.Target.Region, err)
			}
			for _, ip := range page.InferenceProfileSummaries {
				arns = append(arns, aws.ToString(ip.InferenceProfileArn))
			}
		}
	}
	for _, arn := range arns {
		out, err := api.GetInferenceProfile(ctx, &bedrock.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String(arn)})
		if err != nil {
			return fmt.Errorf("bedrockconf: get inference profile %s: %w", arn, err)
		}
		var models []string
		for _, m := range out.Models {
			models = append(models, aws.ToString(m.ModelArn))
		}
		norm := map[string]any{"type": out.Type, "models": models, "description": out.Description}
		row := &schemas.Resource{
			Kind: schemas.KindInferenceProfile, ARN: aws.ToString(out.InferenceProfileArn), ID: aws.ToString(out.InferenceProfileId),
			Name: aws.ToString(out.InferenceProfileName), Status: string(out.Status),
			CreatedAt: aws.ToTime(out.CreatedAt).UTC(), UpdatedAt: aws.ToTime(out.UpdatedAt).UTC(),
		}
		if err := c.put(ctx, sink, u, row, norm, "GetInferenceProfile", out.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}
