package collect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/custodyhq/custody/collect/internal/awscfg"
	"github.com/custodyhq/custody/schemas"
)

// SessionOptions say how to reach AWS.
type SessionOptions struct {
	Profile     string
	Region      string // home region for global calls; "" = the profile's
	EndpointURL string // an emulator; "" = AWS (or AWS_ENDPOINT_URL)
	// Static credentials, used only when both are set.
	AccessKeyID, SecretAccessKey string
	Case                         string // carried in the AssumeRole session name
	ExternalID                   string
	DefaultRate                  float64 // requests/s for APIs without a documented quota; 0 = conservative default
	Now                          func() time.Time
	OnCall                       func(schemas.Acquisition) // told of every call made, for display
}

// Session is the responder's connection to AWS for one run: the base
// credentials, per-target configurations, shared token buckets, and the
// record of every call, which goes to the sink as acquisitions.
type Session struct {
	f *awscfg.Factory

	onCall func(schemas.Acquisition)
	mu     sync.Mutex
	sink   Sink
	recErr error
}

var sessionNameUnsafe = regexp.MustCompile(`[^\w+=,.@-]`)

// NewSession loads the responder's configuration.
func NewSession(ctx context.Context, o SessionOptions) (*Session, error) {
	base, err := awscfg.LoadBase(ctx, awscfg.BaseOptions{
		Profile: o.Profile, Region: o.Region, EndpointURL: o.EndpointURL,
		AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretAccessKey,
	})
	if err != nil {
		return nil, err
	}
	name := "custody"
	if o.Case != "" {
		name += "-" + sessionNameUnsafe.ReplaceAllString(o.Case, "_")
	}
	if len(name) > 64 {
		name = name[:64]
	}
	s := &Session{onCall: o.OnCall}
	s.f = &awscfg.Factory{
		Base:        base,
		Limits:      &awscfg.Limits{Default: awscfg.Quota{PerSecond: o.DefaultRate, Burst: max(int(o.DefaultRate), 1)}},
		SessionName: name,
		ExternalID:  o.ExternalID,
		Now:         o.Now,
		Record:      s.record,
	}
	return s, nil
}

// HomeRegion is the region global calls are made in.
func (s *Session) HomeRegion() string { return s.f.Base.Region }

// RecordInto sends the record of every call made from now on to sink, as
// acquisitions. Before it is called, calls are not recorded.
func (s *Session) RecordInto(sink Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sink = sink
}

func (s *Session) record(ctx context.Context, u schemas.Unit, a schemas.Acquisition) {
	if s.onCall != nil {
		s.onCall(a)
	}
	s.mu.Lock()
	sink := s.sink
	s.mu.Unlock()
	if sink == nil {
		return
	}
	row := a
	err := sink.Put(context.WithoutCancel(ctx), Evidence{
		Kind: schemas.KindAcquisition, Unit: u, ObjectID: a.RequestID, ObservedAt: a.Time, Row: &row,
	})
	if err != nil {
		s.mu.Lock()
		s.recErr = errors.Join(s.recErr, fmt.Errorf("record acquisition: %w", err))
		s.mu.Unlock()
	}
}

// Err reports a failure to record acquisitions: the run's record of how
// evidence was obtained is incomplete.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.recErr
}

// Config is the aws.Config for clients of a target.
func (s *Session) Config(t Target) aws.Config { return s.f.Config(t) }

// Home is a target in the responder's own account and home region, for
// global calls (Organizations, STS).
func (s *Session) home(account string) Target {
	return Target{Account: account, Region: s.f.Base.Region}
}

func (s *Session) now() func() time.Time {
	if s.f.Now != nil {
		return s.f.Now
	}
	return time.Now
}
