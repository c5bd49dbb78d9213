package awscfg

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/custodyhq/custody/schemas"
)

// BaseOptions say where the responder's own credentials come from.
type BaseOptions struct {
	Profile     string // shared config or SSO profile; "" = the SDK's default chain
	Region      string // "" = the profile's or environment's region
	EndpointURL string // "" = AWS, or AWS_ENDPOINT_URL when set
	// Static credentials, used only when both are set (the lab's demo).
	AccessKeyID, SecretAccessKey string
}

// LoadBase loads the responder's configuration. The SDK's standard
// environment (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, …) is honoured.
func LoadBase(ctx context.Context, o BaseOptions) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(NewRetryer),
	}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.AccessKeyID != "" && o.SecretAccessKey != "" {
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	if o.EndpointURL != "" {
		cfg.BaseEndpoint = aws.String(o.EndpointURL)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// Factory builds the per-target configurations of one run and shares their
// token buckets and credential caches.
type Factory struct {
	Base        aws.Config
	Limits      *Limits
	Record      Recorder // nil = calls are not recorded
	SessionName string   // AssumeRole session name; carries the case id
	ExternalID  string
	Now         func() time.Time

	mu    sync.Mutex
	creds map[string]aws.CredentialsProvider
}

// Config returns the aws.Config for a target: its region, its credentials
// (AssumeRole of RoleARN through the base credentials, cached and refreshed
// before expiry) and custody's middleware on every client built from it.
func (f *Factory) Config(t schemas.Target) aws.Config {
	cfg := f.Base.Copy()
	cfg.Region = t.Region
	if t.RoleARN != "" {
		cfg.Credentials = f.assumed(t.RoleARN)
	}
	now := f.Now
	if now == nil {
		now = time.Now
	}
	cfg.APIOptions = append(cfg.APIOptions[:len(cfg.APIOptions):len(cfg.APIOptions)], AddReadOnlyGuard)
	if f.Limits != nil {
		cfg.APIOptions = append(cfg.APIOptions, addLimiter(f.Limits, t.Account))
	}
	if f.Record != nil {
		cfg.APIOptions = append(cfg.APIOptions, addRecorder(f.Record, t, now))
	}
	return cfg
}

// assumed returns one cached provider per role, shared across regions, so
// an account's role is assumed once and refreshed before it expires.
func (f *Factory) assumed(roleARN string) aws.CredentialsProvider {
	f.mu.Lock()
	defer f.mu.Unlock()
	if p, ok := f.creds[roleARN]; ok {
		return p
	}
	base := f.Base.Copy()
	base.APIOptions = append(base.APIOptions[:len(base.APIOptions):len(base.APIOptions)], AddReadOnlyGuard)
	client := sts.NewFromConfig(base)
	p := aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(client, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = f.SessionName
		if f.ExternalID != "" {
			o.ExternalID = aws.String(f.ExternalID)
		}
		o.Duration = time.Hour
	}), func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = 5 * time.Minute })
	if f.creds == nil {
		f.creds = map[string]aws.CredentialsProvider{}
	}
	f.creds[roleARN] = p
	return p
}
