package main

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// progressLines prints a one-line summary of a run every few seconds.
type progressLines struct {
	w                 io.Writer
	units, done, gaps atomic.Int64
	start             time.Time
	quit              chan struct{}
	wg                sync.WaitGroup
}

func newProgressLines(w io.Writer, quiet bool) *progressLines {
	p := &progressLines{w: w, start: time.Now(), quit: make(chan struct{})}
	if quiet {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-p.quit:
				return
			case <-t.C:
				fmt.Fprintln(p.w, p.line())
			}
		}
	}()
	return p
}

func (p *progressLines) line() string {
	return fmt.Sprintf("custody: %d/%d units done, %d gaps, %s elapsed",
		p.done.Load(), p.units.Load(), p.gaps.Load(), time.Since(p.start).Round(time.Second))
}

func (p *progressLines) AddUnits(n int) { p.units.Add(int64(n)) }
func (p *progressLines) UnitDone()      { p.done.Add(1) }
func (p *progressLines) Gap()           { p.gaps.Add(1) }

func (p *progressLines) stop() {
	close(p.quit)
	p.wg.Wait()
}
