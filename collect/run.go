package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/collect/internal/awscfg"
	"github.com/custodyhq/custody/schemas"
)

// Options tune a Run.
type Options struct {
	Parallel    int           // units in flight at once; 0 = DefaultParallel
	UnitTimeout time.Duration // per-unit deadline; 0 = 30 minutes
	Logger      *slog.Logger  // nil = discard
	Progress    Progress      // nil = none
	// Done reports units finished by an earlier run of the same case; they
	// are not collected again.
	Done func(Unit) bool
	Now  func() time.Time
}

// DefaultParallel is high because collection waits on AWS quotas, not CPU:
// every account-region of an organization should have a unit in flight.
var DefaultParallel = max(256, 64*runtime.GOMAXPROCS(0))

// Stats counts what a run did.
type Stats struct {
	Units     int64 // units run to completion
	Skipped   int64 // units finished by an earlier run
	Gaps      int64
	Evidence  int64
	Started   time.Time
	Finished  time.Time
	Completed []string // keys of the units run to completion, for resume
}

// Run collects every unit of every source for every target into sink. A
// unit that AWS refuses, or that cannot be reached, becomes a gap and the
// run goes on; a sink failure stops it. When ctx is cancelled, no new unit
// starts, units in flight are abandoned, and every unfinished unit is
// recorded as a gap with cause "interrupted"; Run then returns ctx's error
// so the caller can still seal what was collected.
func Run(ctx context.Context, targets []Target, sources []Source, sink Sink, o Options) (*Stats, error) {
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.UnitTimeout <= 0 {
		o.UnitTimeout = 30 * time.Minute
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Progress == nil {
		o.Progress = NopProgress{}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	r := &runner{o: o, sink: countingSink{Sink: guardedSink{sink}, p: o.Progress}, stats: &Stats{Started: o.Now()}}
	r.sink.n = &r.stats.Evidence
	err := r.run(ctx, targets, sources)
	r.stats.Finished = o.Now()
	return r.stats, err
}

type runner struct {
	o     Options
	sink  countingSink
	stats *Stats
	mu    sync.Mutex // guards stats.Completed
	gaps  atomic.Int64
	units atomic.Int64
	skip  atomic.Int64
}

func (r *runner) run(ctx context.Context, targets []Target, sources []Source) error {
	g, gctx := errgroup.WithContext(ctx)
	work := make(chan Unit)
	// Parallel listers take (target, source) pairs in turn: an organization
	// has thousands of pairs, and a goroutine each, blocked until workers
	// take its units, cost their stacks and unit lists all at once.
	type pair struct {
		t Target
		s Source
	}
	pairs := make(chan pair)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(pairs)
		// Source by source, in the order given: a source paced by a
		// quota (LookupEvents at 2 requests a second) has its busiest
		// targets' units started at once, rather than behind every other
		// source's units of the targets listed before them, where they
		// made the tail of an organization's collection.
		for _, s := range sources {
			for _, t := range targets {
				select {
				case pairs <- pair{t, s}:
				case <-stop: // every lister failed
					return
				}
			}
		}
	}()
	var listers sync.WaitGroup
	for range min(r.o.Parallel, len(targets)*len(sources)) {
		listers.Add(1)
		g.Go(func() error {
			defer listers.Done()
			for p := range pairs {
				if err := r.list(ctx, gctx, p.t, p.s, work); err != nil {
					return err
				}
			}
			return nil
		})
	}
	go func() { listers.Wait(); close(work) }()
	for range r.o.Parallel {
		g.Go(func() error {
			for u := range work {
				if err := r.collect(ctx, gctx, u, sources); err != nil {
					// Drain so listers are not left blocked.
					go func() {
						for range work {
						}
					}()
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	r.stats.Units, r.stats.Gaps, r.stats.Skipped = r.units.Load(), r.gaps.Load(), r.skip.Load()
	if err != nil {
		return err
	}
	return ctx.Err()
}

// list enumerates a source's units for a target and feeds them to workers.
func (r *runner) list(ctx, gctx context.Context, t Target, s Source, work chan<- Unit) error {
	whole := Unit{Source: s.Name(), ID: "*", Target: t}
	if gctx.Err() != nil {
		return r.gapFor(ctx, whole, gctx.Err())
	}
	lctx := awscfg.WithUnit(gctx, whole)
	units, err := s.Units(lctx, t)
	if err != nil {
		return r.gapFor(ctx, whole, err)
	}
	r.o.Progress.AddUnits(len(units))
	for _, u := range units {
		select {
		case work <- u:
		case <-gctx.Done():
			if err := r.gapFor(ctx, u, gctx.Err()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *runner) collect(ctx, gctx context.Context, u Unit, sources []Source) error {
	defer r.o.Progress.UnitDone()
	if r.o.Done != nil && r.o.Done(u) {
		r.skip.Add(1)
		return nil
	}
	if gctx.Err() != nil {
		return r.gapFor(ctx, u, gctx.Err())
	}
	var src Source
	for _, s := range sources {
		if s.Name() == u.Source {
			src = s
		}
	}
	uctx, cancel := context.WithTimeout(awscfg.WithUnit(gctx, u), r.o.UnitTimeout)
	defer cancel()
	log := r.o.Logger.With("source", u.Source, "account", u.Target.Account, "region", u.Target.Region, "unit", u.ID)
	start := r.o.Now()
	err := src.Collect(uctx, u, r.sink)
	if err == nil {
		r.units.Add(1)
		r.mu.Lock()
		r.stats.Completed = append(r.stats.Completed, u.Key())
		r.mu.Unlock()
		log.Debug("unit done", "took", r.o.Now().Sub(start))
		return nil
	}
	if gctx.Err() != nil && errors.Is(err, context.Canceled) {
		return r.gapFor(ctx, u, gctx.Err())
	}
	if gctx.Err() == nil && errors.Is(uctx.Err(), context.DeadlineExceeded) && errors.Is(err, context.DeadlineExceeded) {
		// The unit ran out of time, perhaps while the sink waited for
		// room: the sink refused this unit's evidence for its deadline,
		// not for a failure of its own, so the unit is a gap.
		err = fmt.Errorf("%w: unit ran past %s: %s", context.DeadlineExceeded, r.o.UnitTimeout, err.Error())
	}
	log.Warn("unit failed", "err", err)
	return r.gapFor(ctx, u, err)
}

// gapFor records err as a gap of u, or returns it when it must stop the run.
// Once another unit has failed the run, nothing more is recorded: the
// bundle will not be sealed.
func (r *runner) gapFor(ctx context.Context, u Unit, err error) error {
	if ctx.Err() == nil && errors.Is(err, context.Canceled) {
		return err
	}
	cause, ok := GapCause(ctx, err)
	if !ok {
		return err
	}
	if ctx.Err() != nil {
		cause = schemas.CauseInterrupted
	}
	r.gaps.Add(1)
	r.o.Progress.Gap()
	g := Gap{Unit: u, Cause: cause, Message: err.Error(), Time: r.o.Now().UTC()}
	if err := r.sink.Sink.Gap(context.WithoutCancel(ctx), g); err != nil {
		return fmt.Errorf("collect: record gap %s: %w", u.Key(), err)
	}
	return nil
}

// countingSink counts evidence records.
type countingSink struct {
	Sink
	n *int64
	p Progress
}

func (s countingSink) Put(ctx context.Context, e Evidence) error {
	atomic.AddInt64(s.n, 1)
	s.p.Evidence(e.Unit.Source)
	return s.Sink.Put(ctx, e)
}
