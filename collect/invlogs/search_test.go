package invlogs_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// After the attacker deletes the logging configuration, the invocation logs
// Bedrock already delivered are still read: found by their stream, not by
// the configuration that is gone.
func TestLogsSurviveADeletedConfiguration(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	since, until := sc.Window()
	want := 0
	for _, acct := range sc.Accounts() {
		for _, region := range sc.Account(acct).Regions {
			for _, g := range region.LogGroups {
				for _, s := range g.Streams {
					if s.LogStreamName != invlogs.BedrockStream {
						continue
					}
					for _, e := range s.Events {
						if !e.Timestamp.Before(since) && !e.Timestamp.After(until) {
							want++
						}
					}
				}
			}
		}
	}
	if want < 200 {
		t.Fatalf("the scenario holds %d invocation-log records in the window; want 200+", want)
	}
	source := func(search bool) *invlogs.Logs {
		return &invlogs.Logs{
			Since: since, Until: until, Search: search,
			Client: func(t collect.Target) (cloudwatchlogs.FilterLogEventsAPIClient, error) {
				return cloudwatchlogs.NewFromConfig(l.Session.Config(t)), nil
			},
			Configured: func(t collect.Target) (invlogs.LoggingConfigAPI, error) { return l.Bedrock(t), nil },
		}
	}
	count := func(src *invlogs.Logs) int {
		sink := &invocationCount{}
		if _, err := collect.Run(context.Background(), l.Targets, []collect.Source{src}, sink, collect.Options{}); err != nil {
			t.Fatal(err)
		}
		if len(sink.gaps) > 0 {
			t.Fatalf("gaps: %+v", sink.gaps)
		}
		return sink.n
	}
	if got := count(source(false)); got >= want {
		t.Fatalf("without search %d records were read; the deleted configuration should have hidden some", got)
	}
	if got := count(source(true)); got != want {
		t.Fatalf("with search: %d invocation rows, the lab holds %d", got, want)
	}
}

type invocationCount struct {
	mu   sync.Mutex
	n    int
	gaps []collect.Gap
}

func (s *invocationCount) Put(_ context.Context, e collect.Evidence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := e.Row.(*schemas.Invocation); ok {
		s.n++
	}
	return nil
}

func (s *invocationCount) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}
