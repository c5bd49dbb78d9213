package awscfg

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// Quota is a sustained request rate and a burst.
type Quota struct {
	PerSecond float64
	Burst     int
}

// DefaultQuota applies to APIs for which AWS publishes no quota. It is
// conservative; Limits.Default raises it.
var DefaultQuota = Quota{PerSecond: 10, Burst: 10}

// documentedQuotas are AWS's published per-account, per-region quotas for the
// operations custody calls most.
var documentedQuotas = map[string]Quota{
	"CloudTrail.LookupEvents":           {PerSecond: 2, Burst: 1},
	"CloudWatch Logs.FilterLogEvents":   {PerSecond: 5, Burst: 5},
	"CloudWatch Logs.DescribeLogGroups": {PerSecond: 5, Burst: 5},
	"Organizations.ListAccounts":        {PerSecond: 1, Burst: 2},
	// S3 serves 5,500 GET/HEAD and 3,500 LIST requests a second per
	// prefix; at the default rate a bucket of 100,000 objects would take
	// hours to read.
	"S3.GetObject":          {PerSecond: 5500, Burst: 5500},
	"S3.HeadObject":         {PerSecond: 5500, Burst: 5500},
	"S3.ListObjectVersions": {PerSecond: 3500, Burst: 3500},
	"S3.ListObjectsV2":      {PerSecond: 3500, Burst: 3500},
}

// Limits holds one token bucket per (account, region, service, operation),
// shared by every goroutine of a run.
type Limits struct {
	Default Quota // zero means DefaultQuota

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func (l *Limits) bucket(account, region, service, op string) *rate.Limiter {
	key := account + "|" + region + "|" + service + "." + op
	l.mu.Lock()
	defer l.mu.Unlock()
	if b, ok := l.buckets[key]; ok {
		return b
	}
	q, ok := documentedQuotas[service+"."+op]
	if !ok {
		q = l.Default
		if q.PerSecond == 0 {
			q = DefaultQuota
		}
	}
	if l.buckets == nil {
		l.buckets = map[string]*rate.Limiter{}
	}
	b := rate.NewLimiter(rate.Limit(q.PerSecond), max(q.Burst, 1))
	l.buckets[key] = b
	return b
}

// limiterMiddleware waits for a token before every attempt, retries included.
type limiterMiddleware struct {
	limits  *Limits
	account string
}

func (limiterMiddleware) ID() string { return "custody.Limiter" }

func (m limiterMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	b := m.limits.bucket(m.account, awsmiddleware.GetRegion(ctx), awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
	if err := b.Wait(ctx); err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	return next.HandleFinalize(ctx, in)
}

func addLimiter(limits *Limits, account string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Finalize.Insert(limiterMiddleware{limits: limits, account: account}, "Retry", middleware.After)
	}
}
