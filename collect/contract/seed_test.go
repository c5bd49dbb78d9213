package contract

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	bedrocktypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// seedMoto writes the fixture into moto through plain SDK clients: this is
// test set-up against an emulator, so these clients carry no read-only
// guard. It returns the member account's id.
func seedMoto(ctx context.Context, t *testing.T, endpoint string, f *fixture) string {
	t.Helper()
	resetMoto(ctx, t, endpoint)
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed moto: %s: %v", what, err)
		}
	}

	s3cfg := cfg.Copy()
	s3cfg.Region = f.BucketRegion
	sc := s3.NewFromConfig(s3cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := sc.CreateBucket(ctx, &s3.CreateBucketInput{
		Bucket:                    aws.String(f.Bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(f.BucketRegion)},
	})
	must("create bucket", err)
	_, err = sc.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(f.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	})
	must("put bucket versioning", err)
	// S3 encrypts every bucket with its default; moto only once told to.
	_, err = sc.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
		Bucket: aws.String(f.Bucket),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256},
		}}},
	})
	must("put bucket encryption", err)
	_, err = sc.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(f.Bucket), Policy: aws.String(f.BucketPolicy)})
	must("put bucket policy", err)
	_, err = sc.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
		Bucket: aws.String(f.Bucket),
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: aws.Bool(true), IgnorePublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true),
		},
	})
	must("put public access block", err)
	for _, p := range f.Puts {
		if p.Body == nil {
			_, err = sc.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(f.Bucket), Key: aws.String(p.Key)})
			must("delete "+p.Key, err)
			continue
		}
		_, err = sc.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(f.Bucket), Key: aws.String(p.Key), Body: strings.NewReader(*p.Body),
			ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256,
		})
		must("put "+p.Key, err)
	}

	ic := iam.NewFromConfig(cfg)
	_, err = ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(f.Role), AssumeRolePolicyDocument: aws.String(f.Trust)})
	must("create role", err)
	for name, doc := range f.Inline {
		_, err = ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(f.Role), PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		must("put role policy", err)
	}
	pol, err := ic.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(f.Managed), PolicyDocument: aws.String(f.ManagedV1)})
	must("create policy", err)
	_, err = ic.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: pol.Policy.Arn, PolicyDocument: aws.String(f.ManagedV2), SetAsDefault: true})
	must("create policy version", err)
	_, err = ic.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(f.Role), PolicyArn: pol.Policy.Arn})
	must("attach role policy", err)

	lc := cloudwatchlogs.NewFromConfig(cfg)
	_, err = lc.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(f.LogGroup)})
	must("create log group", err)
	_, err = lc.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(f.LogGroup), LogStreamName: aws.String(f.LogStream)})
	must("create log stream", err)
	var events []logtypes.InputLogEvent
	for i, m := range f.Messages {
		events = append(events, logtypes.InputLogEvent{Message: aws.String(m), Timestamp: aws.Int64(f.messageTime(i).UnixMilli())})
	}
	_, err = lc.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(f.LogGroup), LogStreamName: aws.String(f.LogStream), LogEvents: events})
	must("put log events", err)

	_, err = bedrock.NewFromConfig(cfg).PutModelInvocationLoggingConfiguration(ctx, &bedrock.PutModelInvocationLoggingConfigurationInput{
		LoggingConfig: &bedrocktypes.LoggingConfig{
			CloudWatchConfig:        &bedrocktypes.CloudWatchConfig{LogGroupName: aws.String(f.LogGroup), RoleArn: aws.String("arn:aws:iam::123456789012:role/bedrock-logging")},
			TextDataDeliveryEnabled: aws.Bool(true),
		},
	})
	must("put invocation logging configuration", err)

	oc := organizations.NewFromConfig(cfg)
	_, err = oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	must("create organization", err)
	acct, err := oc.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(f.MemberName), Email: aws.String(f.MemberEmail)})
	must("create account", err)
	id := aws.ToString(acct.CreateAccountStatus.AccountId)
	if id == "" {
		t.Fatalf("seed moto: create account: no account id in %+v", acct.CreateAccountStatus)
	}
	return id
}

// resetMoto empties moto's state, so that the test seeds from nothing
// whatever ran against the same server before.
func resetMoto(ctx context.Context, t *testing.T, endpoint string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/moto-api/reset", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("reset moto at %s: %v", endpoint, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reset moto at %s: %s", endpoint, resp.Status)
	}
}
