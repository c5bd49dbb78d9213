package main

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// Interrupt a collection half way, resume it: the final bundle verifies and
// holds exactly the lab's events, none repeated, and names the bundle it
// continued.
func TestInterruptThenResume(t *testing.T) {
	srv, url := serveLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{})})
	dir := t.TempDir()
	writeTestKey(t, dir)
	r := srv.Responder()
	since, until := srv.Scenario().Window()
	opts := func(out, resume string) *collectOptions {
		return &collectOptions{
			EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
			Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"all"},
			Since: since, Until: until, Sources: sourceNames, Case: "resume", Out: out, Resume: resume,
			Key: filepath.Join(dir, "k.key"), Parallel: collect.DefaultParallel, DefaultRate: 50, Quiet: true,
		}
	}

	// First run: cancelled once a third of the LookupEvents pages are served.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for ctx.Err() == nil {
			n := 0
			for _, c := range srv.Calls() {
				if c.Operation == "LookupEvents" && c.Status == 200 {
					n++
				}
			}
			if n > 70 {
				cancel()
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	first := filepath.Join(dir, "first")
	res, err := runCollect(ctx, testEnv(), opts(first, ""))
	cancel()
	if !errors.Is(err, errInterrupted) {
		t.Fatalf("first run: err = %v, want interrupted", err)
	}
	interrupted := 0
	for _, g := range res.Manifest.Gaps {
		if g.Cause != schemas.CauseInterrupted {
			t.Errorf("first run: gap %+v is not an interruption", g)
		}
		interrupted++
	}
	if interrupted == 0 {
		t.Fatal("first run finished before it was interrupted: the test proves nothing")
	}
	firstRows := res.Manifest.Tables

	// Second run continues it.
	second := filepath.Join(dir, "second")
	res2, err := runCollect(context.Background(), testEnv(), opts(second, first))
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if len(res2.Manifest.ResumedFrom) != 1 {
		t.Errorf("resumed_from = %v, want the first bundle's manifest digest", res2.Manifest.ResumedFrom)
	}
	if res2.Stats.Skipped == 0 {
		t.Error("resume repeated every unit")
	}
	t.Logf("first run: %d interrupted units, tables %+v; resume skipped %d finished units", interrupted, firstRows, res2.Stats.Skipped)
	assertMatchesLab(t, second, filepath.Join(dir, "k.pub"), srv)
}
