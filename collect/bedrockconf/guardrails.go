// Package bedrockconf snapshots Amazon Bedrock configuration: guardrails with
// every version, the model-invocation logging configuration, custom and
// imported models, customization jobs, provisioned throughput, inference
// profiles, and the foundation models with the account's access to each.
package bedrockconf

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// Source is the name of this source in bundles.
const Source = "bedrock.config"

// API is the part of the Bedrock client this source uses. Build it with
// collect.CaptureRawBody so responses are kept byte-exact.
type API interface {
	bedrock.ListGuardrailsAPIClient
	GetGuardrail(ctx context.Context, in *bedrock.GetGuardrailInput, opts ...func(*bedrock.Options)) (*bedrock.GetGuardrailOutput, error)
	GetModelInvocationLoggingConfiguration(ctx context.Context, in *bedrock.GetModelInvocationLoggingConfigurationInput, opts ...func(*bedrock.Options)) (*bedrock.GetModelInvocationLoggingConfigurationOutput, error)
	ModelsAPI
	ProfilesAPI
}

// Config snapshots Bedrock's configuration, one unit per account, region
// and kind of resource.
type Config struct {
	Client func(collect.Target) (API, error)
	Now    func() time.Time
}

var _ collect.Source = (*Config)(nil)

func (*Config) Name() string { return Source }

const (
	unitGuardrails        = "guardrails"
	unitLogging           = "invocation-logging"
	unitCustomModels      = "custom-models"
	unitImportedModels    = "imported-models"
	unitCustomizationJobs = "customization-jobs"
	unitProvisioned       = "provisioned-throughput"
	unitFoundationModels  = "foundation-models"
	unitInferenceProfiles = "inference-profiles"
)

func (c *Config) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	var units []collect.Unit
	for _, id := range []string{unitGuardrails, unitLogging, unitCustomModels, unitImportedModels, unitCustomizationJobs, unitProvisioned, unitFoundationModels, unitInferenceProfiles} {
		units = append(units, collect.Unit{Source: Source, ID: id, Target: t})
	}
	return units, nil
}

func (c *Config) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	api, err := c.Client(u.Target)
	if err != nil {
		return err
	}
	switch u.ID {
	case unitGuardrails:
		return c.guardrails(ctx, api, u, sink)
	case unitLogging:
		return c.logging(ctx, api, u, sink)
	case unitCustomModels:
		return c.customModels(ctx, api, u, sink)
	case unitImportedModels:
		return c.importedModels(ctx, api, u, sink)
	case unitCustomizationJobs:
		return c.customizationJobs(ctx, api, u, sink)
	case unitProvisioned:
		return c.provisioned(ctx, api, u, sink)
	case unitFoundationModels:
		return c.foundationModels(ctx, api, u, sink)
	case unitInferenceProfiles:
		return c.inferenceProfiles(ctx, api, u, sink)
	}
	return fmt.Errorf("bedrockconf: unknown unit %q", u.ID)
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// guardrails lists every guardrail, then every version of each (the draft
// included), and snapshots each version as AWS returns it.
func (c *Config) guardrails(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	var ids []string
	p := bedrock.NewListGuardrailsPaginator(api, &bedrock.ListGuardrailsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("bedrockconf: list guardrails %s/%s: %w", u.Target.Account, u.Target.Region, err)
		}
		for _, g := range page.Guardrails {
			ids = append(ids, aws.ToString(g.Id))
		}
	}
	for _, id := range ids {
		var versions []string
		vp := bedrock.NewListGuardrailsPaginator(api, &bedrock.ListGuardrailsInput{GuardrailIdentifier: aws.String(id)})
		for vp.HasMorePages() {
			page, err := vp.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("bedrockconf: list versions of guardrail %s: %w", id, err)
			}
			for _, g := range page.Guardrails {
				versions = append(versions, aws.ToString(g.Version))
			}
		}
		for _, v := range versions {
			out, err := api.GetGuardrail(ctx, &bedrock.GetGuardrailInput{GuardrailIdentifier: aws.String(id), GuardrailVersion: aws.String(v)})
			if err != nil {
				return fmt.Errorf("bedrockconf: get guardrail %s version %s: %w", id, v, err)
			}
			norm := map[string]any{
				"name": out.Name, "version": out.Version, "status": out.Status,
				"content_policy": out.ContentPolicy, "topic_policy": out.TopicPolicy,
				"word_policy": out.WordPolicy, "sensitive_information_policy": out.SensitiveInformationPolicy,
				"contextual_grounding_policy": out.ContextualGroundingPolicy,
				"kms_key_arn":                 out.KmsKeyArn, "blocked_input_messaging": out.BlockedInputMessaging,
				"blocked_outputs_messaging": out.BlockedOutputsMessaging,
			}
			row := &schemas.Resource{
				Kind: schemas.KindGuardrail, ARN: aws.ToString(out.GuardrailArn), ID: aws.ToString(out.GuardrailId),
				Version: aws.ToString(out.Version), Name: aws.ToString(out.Name), Status: string(out.Status),
				CreatedAt: aws.ToTime(out.CreatedAt).UTC(), UpdatedAt: aws.ToTime(out.UpdatedAt).UTC(),
			}
			if err := c.put(ctx, sink, u, row, norm, "GetGuardrail", out.ResultMetadata); err != nil {
				return err
			}
		}
	}
	return nil
}

// logging snapshots the model-invocation logging configuration. Its absence
// is recorded too: logging that is off is evidence.
func (c *Config) logging(ctx context.Context, api API, u collect.Unit, sink collect.Sink) error {
	out, err := api.GetModelInvocationLoggingConfiguration(ctx, &bedrock.GetModelInvocationLoggingConfigurationInput{})
	if err != nil {
		return fmt.Errorf("bedrockconf: get invocation logging configuration %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	status := "absent"
	if out.LoggingConfig != nil {
		status = "present"
	}
	row := &schemas.Resource{
		Kind:   schemas.KindLoggingConfig,
		ARN:    fmt.Sprintf("arn:aws:bedrock:%s:%s:model-invocation-logging", u.Target.Region, u.Target.Account),
		ID:     "model-invocation-logging",
		Name:   "model-invocation-logging",
		Status: status,
	}
	return c.put(ctx, sink, u, row, map[string]any{"logging_config": out.LoggingConfig}, "GetModelInvocationLoggingConfiguration", out.ResultMetadata)
}

func (c *Config) put(ctx context.Context, sink collect.Sink, u collect.Unit, row *schemas.Resource, norm any, op string, md middleware.Metadata) error {
	return c.putCall(ctx, sink, u, row, norm, snapshot.Call{Operation: op, Metadata: md})
}

// putCall snapshots one Bedrock response, or one element of a listing.
func (c *Config) putCall(ctx context.Context, sink collect.Sink, u collect.Unit, row *schemas.Resource, norm any, call snapshot.Call) error {
	call.Service = "bedrock"
	return snapshot.Put(ctx, sink, u, c.now(), row, norm, call)
}
