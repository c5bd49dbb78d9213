package lab

import (
	"sync"
	"time"
)

// quota is a token bucket: rate tokens a second, up to burst, and the error
// a request meets when the bucket is empty.
type quota struct {
	name  string // buckets are per account, region, service and name
	rate  float64
	burst float64
	err   *apiError
}

type bucket struct {
	tokens float64
	last   time.Time
}

// quotas holds the token buckets of every account, region and API.
type quotas struct {
	on      bool
	mu      sync.Mutex
	buckets map[string]*bucket
}

func newQuotas(on bool) *quotas {
	return &quotas{on: on, buckets: map[string]*bucket{}}
}

// allow takes a token from the bucket for key, reporting false if there is
// none.
func (qs *quotas) allow(key string, q quota, now time.Time) bool {
	if !qs.on {
		return true
	}
	qs.mu.Lock()
	defer qs.mu.Unlock()
	b := qs.buckets[key]
	if b == nil {
		b = &bucket{tokens: q.burst, last: now}
		qs.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * q.rate
	if b.tokens > q.burst {
		b.tokens = q.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
