package bedrockagents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/snapshot"
	"github.com/custodyhq/custody/schemas"
)

// functions snapshots each Lambda function an action group of the target
// invokes: its configuration and CodeSha256 (GetFunction), its resource
// policy (GetPolicy), and its deployment package as a blob. A function AWS
// refuses or no longer has is a gap, and the others go on.
func (a *Agents) functions(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	found, refused := a.Estate.Find(ctx, u.Target)
	if found == nil {
		return fmt.Errorf("bedrockagents: action-group functions %s/%s: %w", u.Target.Account, u.Target.Region, refused)
	}
	if err := a.foundFunctions(ctx, u, sink, found); err != nil {
		return err
	}
	if refused != nil {
		// What the refused part of the discovery would have led to is a
		// gap of this unit.
		return fmt.Errorf("bedrockagents: action-group functions %s/%s: %w", u.Target.Account, u.Target.Region, refused)
	}
	return nil
}

// foundFunctions snapshots the functions discovery found.
func (a *Agents) foundFunctions(ctx context.Context, u collect.Unit, sink collect.Sink, found *discover.Found) error {
	var arns []string
	ledBy := map[string][]string{}
	for _, fn := range found.Functions {
		if _, ok := ledBy[fn.ARN]; !ok {
			arns = append(arns, fn.ARN)
		}
		if !slices.Contains(ledBy[fn.ARN], fn.LedBy) {
			ledBy[fn.ARN] = append(ledBy[fn.ARN], fn.LedBy)
		}
	}
	if len(arns) == 0 {
		return nil
	}
	api, err := a.Lambda(u.Target)
	if err != nil {
		return err
	}
	for _, arn := range arns {
		err := a.function(ctx, api, u, sink, arn, ledBy[arn])
		var ae smithy.APIError
		if err != nil && ctx.Err() == nil && errors.As(err, &ae) {
			err = sink.Gap(ctx, collect.Gap{Unit: u, Cause: ae.ErrorCode(), Message: err.Error(), Time: a.now()})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (a *Agents) function(ctx context.Context, api LambdaAPI, u collect.Unit, sink collect.Sink, arn string, ledBy []string) error {
	out, err := api.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(arn)})
	if err != nil {
		return fmt.Errorf("bedrockagents: get function %s: %w", arn, err)
	}
	c := out.Configuration
	if c == nil {
		return fmt.Errorf("bedrockagents: get function %s: response has no configuration", arn)
	}
	pol, err := api.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(arn)})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		pol = nil // no resource policy: only the account may invoke it
	case err != nil:
		return fmt.Errorf("bedrockagents: get policy of function %s: %w", arn, err)
	}
	norm := map[string]any{
		"role_arn": c.Role, "runtime": c.Runtime, "handler": c.Handler, "code_sha256": c.CodeSha256, "code_size": c.CodeSize,
		"package_type": c.PackageType, "layers": c.Layers, "kms_key_arn": c.KMSKeyArn, "timeout": c.Timeout, "memory_size": c.MemorySize,
		"revision_id": c.RevisionId, "led_by": ledBy, "resource_policy": nil,
	}
	if c.Environment != nil {
		norm["environment"] = c.Environment.Variables
	}
	if pol != nil {
		norm["resource_policy"] = policyJSON(aws.ToString(pol.Policy))
	}
	name := aws.ToString(c.FunctionName)
	fnARN := aws.ToString(c.FunctionArn)
	row := &schemas.Resource{
		Kind: schemas.KindLambdaFunction, ARN: fnARN, ID: name, Version: aws.ToString(c.Version), Name: name,
		Status: string(c.State), UpdatedAt: lambdaTime(aws.ToString(c.LastModified)),
	}
	at := a.now()
	if err := snapshot.Put(ctx, sink, u, at, row, norm, snapshot.Call{Service: "lambda", Operation: "GetFunction", Metadata: out.ResultMetadata}); err != nil {
		return err
	}
	if pol != nil {
		prow := &schemas.Resource{Kind: schemas.KindLambdaPolicy, ARN: fnARN, ID: name, Name: name, UpdatedAt: row.UpdatedAt}
		pnorm := map[string]any{"policy": policyJSON(aws.ToString(pol.Policy)), "revision_id": pol.RevisionId}
		if err := snapshot.Put(ctx, sink, u, a.now(), prow, pnorm, snapshot.Call{Service: "lambda", Operation: "GetPolicy", Metadata: pol.ResultMetadata}); err != nil {
			return err
		}
	}
	if out.Code == nil || aws.ToString(out.Code.Location) == "" {
		return nil // a container image: its digest is in the configuration
	}
	return a.code(ctx, u, sink, c, out)
}

// policyJSON is a policy document as JSON, or as a JSON string of what AWS
// sent when it is not JSON.
func policyJSON(s string) json.RawMessage {
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	b, _ := json.Marshal(s)
	return b
}

// lambdaTime parses Lambda's LastModified (2006-01-02T15:04:05.000+0000).
func lambdaTime(s string) time.Time {
	for _, layout := range []string{"2006-01-02T15:04:05.000-0700", time.RFC3339Nano} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
