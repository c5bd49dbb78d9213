package awscfg

import (
	"errors"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// MaxAttempts bounds the attempts of one call. Throttling slows collection;
// it must not lose data, so the bound is generous.
const MaxAttempts = 15

// truncatedBody makes a response cut short retryable: the call was a read,
// so sending it again is safe.
func truncatedBody(err error) aws.Ternary {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// NewRetryer is the SDK's adaptive retryer with custody's bounds: no retry
// quota (a long collection under throttling must not start failing calls
// fast), truncated bodies retried, backoff capped.
func NewRetryer() aws.Retryer {
	return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
		o.StandardOptions = append(o.StandardOptions, func(so *retry.StandardOptions) {
			so.MaxAttempts = MaxAttempts
			so.MaxBackoff = 10 * time.Second
			so.RateLimiter = ratelimit.None
			so.Retryables = append(append([]retry.IsErrorRetryable{}, so.Retryables...),
				retry.IsErrorRetryableFunc(truncatedBody))
		})
	})
}
