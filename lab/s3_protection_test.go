package lab

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// A bucket's protective configuration reaches the real client as the
// scenario defines it; a bucket without one answers each Get with the
// not-found error S3 answers; setting one is refused.
func TestS3BucketProtection(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	prod := s3Client(t, s, url, ProdAccount, "us-east-1")

	kb := kbBucketName()
	lock, err := prod.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(kb)})
	if err != nil {
		t.Fatal(err)
	}
	c := lock.ObjectLockConfiguration
	if c == nil || c.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled || c.Rule == nil || c.Rule.DefaultRetention == nil ||
		c.Rule.DefaultRetention.Mode != s3types.ObjectLockRetentionModeGovernance || aws.ToInt32(c.Rule.DefaultRetention.Days) != 30 ||
		c.Rule.DefaultRetention.Years != nil {
		t.Fatalf("object lock of %s = %+v", kb, c)
	}

	// An object lock without a default retention.
	sc := Builtin(BuiltinOptions{})
	var training *Bucket
	for _, b := range sc.Account(ProdAccount).Buckets {
		if b.Name == trainingBucketName() {
			training = b
		}
	}
	training.ObjectLock = &BucketObjectLock{}
	s2, url2 := startLab(t, Options{NoQuotas: true, Scenario: sc})
	lock, err = s3Client(t, s2, url2, ProdAccount, "us-east-1").GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(training.Name)})
	if err != nil || lock.ObjectLockConfiguration == nil || lock.ObjectLockConfiguration.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled || lock.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("object lock without retention = %+v, %v", lock.ObjectLockConfiguration, err)
	}

	// genai-dev's training bucket has none of them.
	dev := s3Client(t, s, url, DevAccount, "us-east-1")
	bucket := aws.String("genai-dev-training-" + DevAccount)
	_, err = dev.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: bucket})
	wantCode(t, err, "ObjectLockConfigurationNotFoundError")
	_, err = dev.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: bucket})
	wantCode(t, err, "NoSuchBucketPolicy")
	_, err = dev.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: bucket})
	wantCode(t, err, "ServerSideEncryptionConfigurationNotFoundError")
	_, err = dev.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: bucket})
	wantCode(t, err, "NoSuchPublicAccessBlockConfiguration")
	out, err := dev.GetObject(ctx, &s3.GetObjectInput{Bucket: bucket, Key: aws.String("tone-experiment/train.jsonl")})
	if err != nil {
		t.Fatal(err)
	}
	out.Body.Close()
	if out.ServerSideEncryption != "" {
		t.Errorf("object of an unencrypted bucket says %s", out.ServerSideEncryption)
	}

	_, err = prod.PutObjectLockConfiguration(ctx, &s3.PutObjectLockConfigurationInput{Bucket: aws.String(kb),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}})
	wantCode(t, err, "AccessDenied")
	calls := s.Calls()
	if c := calls[len(calls)-1]; !c.Mutating || c.Operation != "PutObjectLockConfiguration" {
		t.Errorf("PutObjectLockConfiguration logged as %+v", c)
	}
}
