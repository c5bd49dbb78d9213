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

// foundationModels snapshots the region's foundation-model catalog and,
// for each model, whether the account may use it: its authorization,
// agreement, entitlement and regional availability. Access granted during
// an incident shows here.
func (c *Config) foundationModels(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	out, err := api.ListFoundationModels(ctx, &bedrock.ListFoundationModelsInput{})
	if err != nil {
		return fmt.Errorf("bedrockconf: list foundation models %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	raw, err := snapshot.Elements(out.ResultMetadata, "modelSummaries")
	if err != nil {
		return fmt.Errorf("bedrockconf: list foundation models %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	for i, m := range out.ModelSummaries {
		id := aws.ToString(m.ModelId)
		status := ""
		if m.ModelLifecycle != nil {
			status = string(m.ModelLifecycle.Status)
		}
		norm := map[string]any{
			"provider": m.ProviderName, "input_modalities": m.InputModalities, "output_modalities": m.OutputModalities,
			"customizations": m.CustomizationsSupported, "inference_types": m.InferenceTypesSupported,
			"streaming": m.ResponseStreamingSupported,
		}
		row := &schemas.Resource{Kind: schemas.KindFoundationModel, ARN: aws.ToString(m.ModelArn), ID: id, Name: aws.ToString(m.ModelName), Status: status}
		call := snapshot.Call{Operation: "ListFoundationModels", Metadata: out.ResultMetadata, Raw: snapshot.Element(raw, i)}
		if err := c.putCall(ctx, sink, u, row, norm, call); err != nil {
			return err
		}
		av, err := api.GetFoundationModelAvailability(ctx, &bedrock.GetFoundationModelAvailabilityInput{ModelId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("bedrockconf: get availability of foundation model %s in %s/%s: %w", id, u.Target.Account, u.Target.Region, err)
		}
		agreement := ""
		if av.AgreementAvailability != nil {
			agreement = string(av.AgreementAvailability.Status)
		}
		anorm := map[string]any{
			"authorization": av.AuthorizationStatus, "agreement": agreement, "agreement_detail": av.AgreementAvailability,
			"entitlement": av.EntitlementAvailability, "region_availability": av.RegionAvailability,
		}
		arow := &schemas.Resource{
			Kind: schemas.KindModelAvailability, ARN: aws.ToString(m.ModelArn), ID: id, Name: aws.ToString(m.ModelName),
			Status: string(av.AuthorizationStatus),
		}
		if err := c.put(ctx, sink, u, arow, anorm, "GetFoundationModelAvailability", av.ResultMetadata); err != nil {
			return err
		}
	}
	return nil
}
