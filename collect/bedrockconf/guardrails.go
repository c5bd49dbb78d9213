// Package bedrockconf snapshots Amazon Bedrock configuration: guardrails with
// every version, and the model-invocation logging configuration.
package bedrockconf

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/smithy-go/middleware"

	"github.com/custodyhq/custody/collect"
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
	unitGuardrails = "guardrails"
	unitLogging    = "invocation-logging"
)

func (c *Config) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	return []collect.Unit{
		{Source: Source, ID: unitGuardrails, Target: t},
		{Source: Source, ID: unitLogging, Target: t},
	}, nil
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

func (c *Config) put(ctx context.Context, sink collect.Sink, u collect.Unit, row *schemas.Resource, norm map[string]any, op string, md middleware.Metadata) error {
	n, err := json.Marshal(norm)
	if err != nil {
		return fmt.Errorf("bedrockconf: normalize %s: %w", row.ARN, err)
	}
	at := c.now()
	reqID, _ := awsmiddleware.GetRequestIDMetadata(md)
	raw, whole := collect.RawBody(md)
	row.Normalized = string(n)
	row.Raw = string(raw)
	row.Operation = op
	row.RequestID = reqID
	row.AcquiredAt = at
	claimed := ""
	if !whole {
		claimed = "raw body exceeded capture limit"
	}
	return sink.Put(ctx, collect.Evidence{
		Kind: row.Kind, Unit: u, ObjectID: row.ARN + versionSuffix(row.Version), ObservedAt: at,
		Provenance: schemas.Provenance{Service: "bedrock", Operation: op, RequestID: reqID, Time: at},
		Claimed:    claimed,
		Row:        row,
	})
}

func versionSuffix(v string) string {
	if v == "" {
		return ""
	}
	return ":" + v
}
