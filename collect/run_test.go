package collect

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/schemas"
)

// memSink keeps what it is given.
type memSink struct {
	mu   sync.Mutex
	ev   []Evidence
	gaps []Gap
	fail error
}

func (s *memSink) Put(_ context.Context, e Evidence) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.ev = append(s.ev, e)
	return nil
}

func (s *memSink) Gap(_ context.Context, g Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

// fakeSource has units u0..u(n-1) per target; collect of a unit returns
// errs[unit id] or puts one record.
type fakeSource struct {
	n     int
	errs  map[string]error
	block chan struct{} // when set, Collect waits on it or ctx
}

func (*fakeSource) Name() string { return "fake" }

func (f *fakeSource) Units(_ context.Context, t Target) ([]Unit, error) {
	if err := f.errs["units:"+t.Account]; err != nil {
		return nil, err
	}
	var out []Unit
	for i := range f.n {
		out = append(out, Unit{Source: "fake", ID: fmt.Sprint("u", i), Target: t})
	}
	return out, nil
}

func (f *fakeSource) Collect(ctx context.Context, u Unit, sink Sink) error {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := f.errs[u.ID]; err != nil {
		return err
	}
	return sink.Put(ctx, Evidence{Kind: "test", Unit: u, ObjectID: u.Key(), Row: &schemas.GapRow{}})
}

func TestRunGapsAndEvidence(t *testing.T) {
	src := &fakeSource{n: 5, errs: map[string]error{
		"u1":        &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "no"},
		"u3":        fmt.Errorf("wrapped: %w", &smithy.GenericAPIError{Code: "ResourceNotFoundException"}),
		"units:222": &smithy.GenericAPIError{Code: "OptInRequired"},
	}}
	sink := &memSink{}
	targets := []Target{{Account: "111", Region: "us-east-1"}, {Account: "222", Region: "us-east-1"}}
	st, err := Run(context.Background(), targets, []Source{src}, sink, Options{Parallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.ev) != 3 || st.Units != 3 {
		t.Errorf("evidence = %d, units = %d; want 3 and 3", len(sink.ev), st.Units)
	}
	causes := map[string]string{}
	for _, g := range sink.gaps {
		causes[g.Unit.Target.Account+"/"+g.Unit.ID] = g.Cause
	}
	want := map[string]string{"111/u1": "AccessDeniedException", "111/u3": "ResourceNotFoundException", "222/*": "OptInRequired"}
	if fmt.Sprint(causes) != fmt.Sprint(want) {
		t.Errorf("gaps = %v, want %v", causes, want)
	}
}

func TestRunStopsOnSinkFailure(t *testing.T) {
	boom := errors.New("disk full")
	sink := &memSink{fail: boom}
	_, err := Run(context.Background(), []Target{{Account: "1", Region: "r"}}, []Source{&fakeSource{n: 50}}, sink, Options{Parallel: 4})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the sink's error", err)
	}
	if len(sink.gaps) != 0 {
		t.Fatalf("a sink failure became %d gaps", len(sink.gaps))
	}
}

func TestRunInterruptedRecordsEveryUnfinishedUnit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	src := &fakeSource{n: 20, block: make(chan struct{})}
	sink := &memSink{}
	done := make(chan error)
	go func() {
		_, err := Run(ctx, []Target{{Account: "1", Region: "r"}}, []Source{src}, sink, Options{Parallel: 4})
		done <- err
	}()
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if len(sink.ev)+len(sink.gaps) != 20 && !(len(sink.gaps) == 1 && sink.gaps[0].Unit.ID == "*") {
		t.Fatalf("%d evidence + %d gaps; every one of 20 units must be accounted for", len(sink.ev), len(sink.gaps))
	}
	for _, g := range sink.gaps {
		if g.Cause != schemas.CauseInterrupted {
			t.Errorf("gap %s cause %q, want interrupted", g.Unit.Key(), g.Cause)
		}
	}
}

func TestRunResumeSkipsDoneUnits(t *testing.T) {
	sink := &memSink{}
	done := func(u Unit) bool { return u.ID == "u0" || u.ID == "u2" }
	st, err := Run(context.Background(), []Target{{Account: "1", Region: "r"}}, []Source{&fakeSource{n: 4}}, sink, Options{Done: done})
	if err != nil {
		t.Fatal(err)
	}
	if st.Skipped != 2 || len(sink.ev) != 2 {
		t.Fatalf("skipped %d, collected %d; want 2 and 2", st.Skipped, len(sink.ev))
	}
}

// ctxSink refuses evidence once the caller's context has ended, as the
// bundle writer does while it waits for room.
type ctxSink struct{ memSink }

func (s *ctxSink) Put(ctx context.Context, e Evidence) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("archive: put: %w", err)
	}
	return s.memSink.Put(ctx, e)
}

// A unit whose deadline passes while the sink holds its evidence is a gap
// with cause deadline; the run goes on.
func TestUnitDeadlineInTheSinkIsAGap(t *testing.T) {
	sink := &ctxSink{}
	st, err := Run(context.Background(), []Target{{Account: "1", Region: "r"}}, []Source{&slowSource{fakeSource{n: 3}}}, sink, Options{Parallel: 2, UnitTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("a unit's deadline stopped the run: %v", err)
	}
	if len(sink.gaps) != 1 || sink.gaps[0].Cause != schemas.CauseDeadline || sink.gaps[0].Unit.ID != "u1" || st.Units != 2 {
		t.Errorf("gaps %+v, %d units done; want u1 a deadline gap, 2 done", sink.gaps, st.Units)
	}
}

// slowSource's unit u1 hands its evidence to the sink only once its
// deadline has passed.
type slowSource struct{ fakeSource }

func (s *slowSource) Collect(ctx context.Context, u Unit, sink Sink) error {
	if u.ID == "u1" {
		<-ctx.Done()
	}
	return sink.Put(ctx, Evidence{Kind: "test", Unit: u, ObjectID: u.Key(), Row: &schemas.GapRow{}})
}
