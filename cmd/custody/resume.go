package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// previousRun is a sealed bundle of an interrupted collection that a new run
// continues.
type previousRun struct {
	path     string
	rd       *archive.Reader
	manifest string // sha256 of its manifest.json
	// unfinished holds the keys of units the earlier run recorded as
	// interrupted; "source/account/region/*" marks a target whose units
	// were never listed.
	unfinished map[string]bool
}

// openPrevious verifies an earlier bundle with the run's own key and reads
// which of its units did not finish.
func openPrevious(ctx context.Context, path string, v signature.Verifier, e *env) (*previousRun, error) {
	rep, err := verify.Verify(ctx, path, verify.Options{Verifier: v})
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", path, err)
	}
	if !rep.OK {
		printReport(e, rep)
		return nil, fmt.Errorf("resume %s: the bundle does not verify: %w", path, errVerifyFailed)
	}
	rd, err := archive.Open(path)
	if err != nil {
		return nil, err
	}
	p := &previousRun{path: path, rd: rd, manifest: rd.ManifestSHA256(), unfinished: map[string]bool{}}
	for _, g := range rd.Manifest().Gaps {
		if g.Cause == schemas.CauseInterrupted {
			p.unfinished[unitKey(g.Source, g.Account, g.Region, g.Unit)] = true
		}
	}
	return p, nil
}

func unitKey(source, account, region, id string) string {
	return schemas.Unit{Source: source, ID: id, Target: schemas.Target{Account: account, Region: region}}.Key()
}

// done reports whether the earlier run finished u: collected it, or ended it
// as a gap for a cause other than the interruption.
func (p *previousRun) done(u collect.Unit) bool {
	if p.unfinished[u.Key()] {
		return false
	}
	return !p.unfinished[unitKey(u.Source, u.Target.Account, u.Target.Region, "*")]
}

// carryOver copies into w every record of the earlier bundle that belongs
// to a finished unit, blobs included, and every call it made. Records of
// units cut off mid-way are left behind: those units run again.
func (p *previousRun) carryOver(ctx context.Context, w *archive.Writer) (int64, error) {
	n, err := copyRecords(ctx, p.rd, w, func(table string, part archive.Partition, m schemas.Meta) bool {
		return table == schemas.TableAcquisitions || !p.unfinished[unitKey(m.Source, part.Account, part.Region, m.Unit)]
	})
	if err != nil {
		return n, fmt.Errorf("resume: from %s: %w", p.path, err)
	}
	return n, nil
}

// killedRun reports whether path names a collection killed before it was
// sealed: the .partial directory it was writing (named itself, or by the
// bundle path it would have become) exists, and no sealed bundle does.
func killedRun(path string) bool {
	p := filepath.Clean(path)
	if !strings.HasSuffix(p, ".partial") {
		if _, err := os.Stat(p); err == nil {
			return false
		}
		p += ".partial"
	}
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
