package trailfiles

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// TrailAPI is the part of the CloudTrail client this source uses.
type TrailAPI interface {
	DescribeTrails(ctx context.Context, in *cloudtrail.DescribeTrailsInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.DescribeTrailsOutput, error)
	GetTrailStatus(ctx context.Context, in *cloudtrail.GetTrailStatusInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.GetTrailStatusOutput, error)
	GetEventSelectors(ctx context.Context, in *cloudtrail.GetEventSelectorsInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.GetEventSelectorsOutput, error)
	ListPublicKeys(ctx context.Context, in *cloudtrail.ListPublicKeysInput, opts ...func(*cloudtrail.Options)) (*cloudtrail.ListPublicKeysOutput, error)
}

// Coverage says what a trail's event selectors let it record. An auditor
// must know what could not have been seen: a trail without Bedrock data
// events holds no InvokeModel, no knowledge-base retrieval.
type Coverage struct {
	Management bool `json:"management_events"`
	Bedrock    bool `json:"bedrock_data_events"`
	S3         bool `json:"s3_data_events"`
	Lambda     bool `json:"lambda_data_events"`
	Advanced   bool `json:"advanced_selectors"`
}

// CoverageOf reads event selectors, basic or advanced.
func CoverageOf(out *cloudtrail.GetEventSelectorsOutput) Coverage {
	var c Coverage
	for _, s := range out.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) {
			c.Management = true
		}
		for _, d := range s.DataResources {
			c.mark(aws.ToString(d.Type))
		}
	}
	for _, a := range out.AdvancedEventSelectors {
		c.Advanced = true
		var category []string
		var resTypes []string
		for _, f := range a.FieldSelectors {
			switch aws.ToString(f.Field) {
			case "eventCategory":
				category = append(category, f.Equals...)
			case "resources.type":
				resTypes = append(resTypes, f.Equals...)
				resTypes = append(resTypes, f.StartsWith...)
			}
		}
		for _, cat := range category {
			switch cat {
			case "Management":
				c.Management = true
			case "Data":
				if len(resTypes) == 0 {
					c.Bedrock, c.S3, c.Lambda = true, true, true
				}
				for _, t := range resTypes {
					c.mark(t)
				}
			}
		}
	}
	return c
}

func (c *Coverage) mark(resourceType string) {
	switch {
	case strings.HasPrefix(resourceType, "AWS::Bedrock::"):
		c.Bedrock = true
	case resourceType == "AWS::S3::Object" || strings.HasPrefix(resourceType, "AWS::S3"):
		c.S3 = true
	case resourceType == "AWS::Lambda::Function":
		c.Lambda = true
	}
}

// trails records every trail the target's region sees, its own and the
// shadows of other regions' and the organization's, with its status and
// what its selectors let it record.
func (s *Source) trails(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	api, err := s.Trails(u.Target)
	if err != nil {
		return err
	}
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return fmt.Errorf("trailfiles: describe trails %s/%s: %w", u.Target.Account, u.Target.Region, err)
	}
	reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
	for _, t := range out.TrailList {
		if err := s.trail(ctx, api, u, sink, t, reqID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Source) trail(ctx context.Context, api TrailAPI, u collect.Unit, sink collect.Sink, t types.Trail, describeReq string) error {
	arn := aws.ToString(t.TrailARN)
	norm := map[string]any{
		"home_region": aws.ToString(t.HomeRegion), "shadow": aws.ToString(t.HomeRegion) != u.Target.Region,
		"organization": aws.ToBool(t.IsOrganizationTrail), "multi_region": aws.ToBool(t.IsMultiRegionTrail),
		"s3_bucket": aws.ToString(t.S3BucketName), "s3_key_prefix": aws.ToString(t.S3KeyPrefix),
		"log_file_validation": aws.ToBool(t.LogFileValidationEnabled), "kms_key_id": aws.ToString(t.KmsKeyId),
		"global_service_events":     aws.ToBool(t.IncludeGlobalServiceEvents),
		"cloudwatch_logs_log_group": aws.ToString(t.CloudWatchLogsLogGroupArn),
	}
	raw := map[string]json.RawMessage{}
	if b, err := json.Marshal(t); err == nil {
		raw["Trail"] = b
	}
	status := "unknown"
	st, err := api.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)}, withRawBody)
	if err == nil {
		status = "stopped"
		if aws.ToBool(st.IsLogging) {
			status = "logging"
		}
		norm["is_logging"] = aws.ToBool(st.IsLogging)
		norm["start_logging_time"] = st.StartLoggingTime
		norm["stop_logging_time"] = st.StopLoggingTime
		norm["latest_delivery_time"] = st.LatestDeliveryTime
		norm["latest_delivery_error"] = aws.ToString(st.LatestDeliveryError)
		norm["latest_digest_delivery_time"] = st.LatestDigestDeliveryTime
		norm["latest_digest_delivery_error"] = aws.ToString(st.LatestDigestDeliveryError)
		if b, ok := collect.RawBody(st.ResultMetadata); ok {
			raw["GetTrailStatus"] = b
		}
	} else if err := s.refused(ctx, u, sink, "get trail status "+arn, err); err != nil {
		return err
	}
	sel, err := api.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)}, withRawBody)
	if err == nil {
		norm["coverage"] = CoverageOf(sel)
		if b, ok := collect.RawBody(sel.ResultMetadata); ok {
			raw["GetEventSelectors"] = b
		}
	} else if err := s.refused(ctx, u, sink, "get event selectors "+arn, err); err != nil {
		return err
	}
	nb, _ := json.Marshal(norm)
	rb, _ := json.Marshal(raw)
	at := s.now()
	return sink.Put(ctx, collect.Evidence{
		Kind: KindTrail, Unit: u, ObjectID: arn, ObservedAt: at,
		Provenance: schemas.Provenance{Service: "cloudtrail", Operation: "DescribeTrails", RequestID: describeReq, Time: at},
		Row: &schemas.Resource{
			Kind: KindTrail, ARN: arn, ID: arn, Name: aws.ToString(t.Name), Status: status,
			Normalized: string(nb), Raw: string(rb), Operation: "DescribeTrails", RequestID: describeReq, AcquiredAt: at,
		},
	})
}

// withRawBody keeps the response body byte-exact for the resources row.
func withRawBody(o *cloudtrail.Options) {
	o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
}
