package lab

import (
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awscreds "github.com/aws/aws-sdk-go-v2/credentials"
)

// builtin is the default built-in scenario, built once for the package's
// tests; tests must not change it.
var (
	builtin       = sync.OnceValue(func() *Scenario { return Builtin(BuiltinOptions{Seed: 1}) })
	builtinBefore = sync.OnceValue(func() *Scenario { return Builtin(BuiltinOptions{Seed: 1, BeforeIncident: true}) })
	builtinScale  = sync.OnceValue(func() *Scenario { return Builtin(BuiltinOptions{Seed: 1, Accounts: 18}) })
)

// startLab serves o (the shared built-in scenario when o.Scenario is nil)
// on a loopback port for the test's lifetime.
func startLab(t *testing.T, o Options) (*Server, string) {
	t.Helper()
	if o.Scenario == nil {
		o.Scenario = builtin()
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	url, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, url
}

// sdkConfig points the real SDK clients at the lab with the given
// credentials. Retries are off unless retries is true.
func sdkConfig(url string, c Credentials, region string, retries bool) aws.Config {
	cfg := aws.Config{
		Region:       region,
		Credentials:  awscreds.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint: aws.String(url),
	}
	if !retries {
		cfg.Retryer = func() aws.Retryer { return aws.NopRetryer{} }
	}
	return cfg
}
