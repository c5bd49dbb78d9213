package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/custodyhq/custody/schemas"
)

// progress shows a run as it goes: a live bar on a terminal, a one-line
// summary every few seconds elsewhere, nothing with --quiet.
type progress struct {
	start             time.Time
	units, done, gaps atomic.Int64
	calls, retries    atomic.Int64
	mu                sync.Mutex
	rows              map[string]int64

	bar  *mpb.Bar
	p    *mpb.Progress
	quit chan struct{}
	wg   sync.WaitGroup
}

func newProgress(w io.Writer, quiet bool) *progress {
	pr := &progress{start: time.Now(), rows: map[string]int64{}, quit: make(chan struct{})}
	if quiet {
		return pr
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		pr.p = mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(200*time.Millisecond))
		pr.bar = pr.p.New(0, mpb.BarStyle(),
			mpb.PrependDecorators(decor.Name("units "), decor.CountersNoUnit("%d/%d")),
			mpb.AppendDecorators(decor.AverageETA(decor.ET_STYLE_GO), decor.Any(func(decor.Statistics) string { return "  " + pr.status() })),
		)
		return pr
	}
	pr.wg.Add(1)
	go func() {
		defer pr.wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-pr.quit:
				return
			case <-t.C:
				fmt.Fprintf(w, "custody: units %d/%d, %s\n", pr.done.Load(), pr.units.Load(), pr.status())
			}
		}
	}()
	return pr
}

// status is the line beside the bar: calls, throttling absorbed, gaps, rows
// per source.
func (pr *progress) status() string {
	secs := max(time.Since(pr.start).Seconds(), 0.001)
	pr.mu.Lock()
	srcs := make([]string, 0, len(pr.rows))
	for s, n := range pr.rows {
		srcs = append(srcs, fmt.Sprintf("%s %d", s, n))
	}
	pr.mu.Unlock()
	slices.Sort(srcs)
	return fmt.Sprintf("%d calls (%.0f/s), %d retries absorbed, %d gaps; rows: %s",
		pr.calls.Load(), float64(pr.calls.Load())/secs, pr.retries.Load(), pr.gaps.Load(), strings.Join(srcs, ", "))
}

func (pr *progress) AddUnits(n int) {
	total := pr.units.Add(int64(n))
	if pr.bar != nil {
		pr.bar.SetTotal(total, false)
	}
}

func (pr *progress) UnitDone() {
	pr.done.Add(1)
	if pr.bar != nil {
		pr.bar.Increment()
	}
}

func (pr *progress) Gap() { pr.gaps.Add(1) }

func (pr *progress) Evidence(source string) {
	pr.mu.Lock()
	pr.rows[source]++
	pr.mu.Unlock()
}

func (pr *progress) Call(a schemas.Acquisition) {
	pr.calls.Add(1)
	pr.retries.Add(int64(max(a.Attempts-1, 0)))
}

func (pr *progress) stop() {
	if pr.bar != nil {
		pr.bar.SetTotal(-1, true)
		pr.p.Wait()
		return
	}
	close(pr.quit)
	pr.wg.Wait()
}
