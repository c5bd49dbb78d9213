package trailfiles

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
)

// Name is the name of this source in bundles.
const Name = "cloudtrail.files"

// S3API is the part of the S3 client this source uses.
type S3API interface {
	s3.ListObjectsV2APIClient
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// Source reads the log files trails deliver to S3 over a window, with
// their digests, and records each trail's configuration.
//
// Units per target: one that records every trail the region sees, and,
// for each trail whose home is the target's region and whose owner is the
// target's account, one per account and region the trail's bucket holds
// files for (AWSLogs/[<org id>/]<account>/CloudTrail/<region>/).
type Source struct {
	Trails       func(collect.Target) (TrailAPI, error)
	S3           func(collect.Target) (S3API, error)
	Since, Until time.Time
	Now          func() time.Time
}

var _ collect.Source = (*Source)(nil)

func (*Source) Name() string { return Name }

func (s *Source) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Source) window() string {
	return s.Since.UTC().Format(time.RFC3339) + "/" + s.Until.UTC().Format(time.RFC3339)
}

// Unit ids: "trails/<window>" and "files/<window>/s3://<bucket>/<prefix>",
// the prefix ending in <account>/CloudTrail/<region>/ or, when the bucket
// could not be listed, in AWSLogs/.
func (s *Source) trailsID() string { return "trails/" + s.window() }
func (s *Source) filesID(bucket, prefix string) string {
	return "files/" + s.window() + "/s3://" + bucket + "/" + prefix
}

func (s *Source) Units(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	units := []collect.Unit{{Source: Name, ID: s.trailsID(), Target: t}}
	api, err := s.Trails(t)
	if err != nil {
		return nil, err
	}
	out, err := api.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)})
	if err != nil {
		return nil, fmt.Errorf("trailfiles: describe trails %s/%s: %w", t.Account, t.Region, err)
	}
	s3c, err := s.S3(t)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, tr := range out.TrailList {
		if aws.ToString(tr.HomeRegion) != t.Region || accountOf(aws.ToString(tr.TrailARN)) != t.Account || aws.ToString(tr.S3BucketName) == "" {
			continue
		}
		bucket := aws.ToString(tr.S3BucketName)
		base := aws.ToString(tr.S3KeyPrefix)
		if base != "" && !strings.HasSuffix(base, "/") {
			base += "/"
		}
		base += "AWSLogs/"
		prefixes, err := s.logPrefixes(ctx, s3c, bucket, base)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			// Listed again, and refused again, by the unit, as a gap.
			prefixes = []string{base}
		}
		for _, p := range prefixes {
			id := s.filesID(bucket, p)
			if !seen[id] {
				seen[id] = true
				units = append(units, collect.Unit{Source: Name, ID: id, Target: t})
			}
		}
	}
	return units, nil
}

// accountOf is the account of an ARN.
func accountOf(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// logPrefixes lists AWSLogs/[<org id>/]<account>/CloudTrail/<region>/
// and …/CloudTrail-Insight/<region>/ under base.
func (s *Source) logPrefixes(ctx context.Context, api S3API, bucket, base string) ([]string, error) {
	top, err := commonPrefixes(ctx, api, bucket, base)
	if err != nil {
		return nil, err
	}
	var accounts []string
	for _, p := range top {
		name := strings.TrimSuffix(strings.TrimPrefix(p, base), "/")
		if strings.HasPrefix(name, "o-") {
			sub, err := commonPrefixes(ctx, api, bucket, p)
			if err != nil {
				return nil, err
			}
			accounts = append(accounts, sub...)
			continue
		}
		accounts = append(accounts, p)
	}
	var out []string
	for _, a := range accounts {
		// Insights events are delivered beside the log files, under
		// CloudTrail-Insight/, without digests.
		for _, dir := range []string{"CloudTrail/", "CloudTrail-Insight/"} {
			regions, err := commonPrefixes(ctx, api, bucket, a+dir)
			if err != nil {
				return nil, err
			}
			out = append(out, regions...)
		}
	}
	return out, nil
}

func commonPrefixes(ctx context.Context, api S3API, bucket, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(api, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("trailfiles: list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			out = append(out, aws.ToString(cp.Prefix))
		}
	}
	return out, nil
}

func (s *Source) Collect(ctx context.Context, u collect.Unit, sink collect.Sink) error {
	if u.ID == s.trailsID() {
		return s.trails(ctx, u, sink)
	}
	rest, ok := strings.CutPrefix(u.ID, "files/"+s.window()+"/s3://")
	if !ok {
		return fmt.Errorf("trailfiles: unknown unit %q", u.ID)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	api, err := s.S3(u.Target)
	if err != nil {
		return err
	}
	if strings.HasSuffix(prefix, "AWSLogs/") {
		// The bucket could not be listed when units were made.
		if _, err := s.logPrefixes(ctx, api, bucket, prefix); err != nil {
			return err
		}
		return fmt.Errorf("trailfiles: s3://%s/%s became listable after units were made; collect again", bucket, prefix)
	}
	return s.files(ctx, api, u, sink, bucket, prefix)
}

// refused records an AWS refusal as a gap of the unit and lets it go on;
// anything else is returned.
func (s *Source) refused(ctx context.Context, u collect.Unit, sink collect.Sink, what string, err error) error {
	var ae smithy.APIError
	if ctx.Err() != nil || !errors.As(err, &ae) {
		return err
	}
	return sink.Gap(ctx, collect.Gap{Unit: u, Cause: ae.ErrorCode(), Message: "trailfiles: " + what + ": " + err.Error(), Time: s.now()})
}
