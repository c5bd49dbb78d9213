package drift

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// Options configure Diff.
type Options struct {
	// NoAttribution skips the search of the bundle's CloudTrail events
	// for who made each change.
	NoAttribution bool
	Logger        *slog.Logger // nil = discard
}

// Diff compares bundle with baseline and reports what changed. Both must
// have been verified: Diff reads them, it does not check them. It returns
// an error only when it cannot read them.
func Diff(ctx context.Context, baseline, bundle *archive.Reader, o Options) (*Report, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	d := &differ{
		o: o,
		r: &Report{MediaType: MediaType, Baseline: sideOf(baseline), Bundle: sideOf(bundle), Compared: map[string][2]int64{}},
		b: newScope(baseline.Manifest()),
		a: newScope(bundle.Manifest()),
	}
	d.scopeSources()
	base, err := loadResources(ctx, baseline, d.b)
	if err != nil {
		return nil, fmt.Errorf("drift: baseline: %w", err)
	}
	now, err := loadResources(ctx, bundle, d.a)
	if err != nil {
		return nil, fmt.Errorf("drift: bundle: %w", err)
	}
	d.resources(base, now)
	if err := d.objects(ctx, baseline, bundle); err != nil {
		return nil, err
	}
	if !o.NoAttribution && len(d.r.Changes) > 0 {
		if err := attribute(ctx, bundle, d.r.Changes); err != nil {
			return nil, fmt.Errorf("drift: attribute changes: %w", err)
		}
	}
	d.r.finish()
	return d.r, nil
}

func sideOf(rd *archive.Reader) Side {
	m := rd.Manifest()
	s := Side{Path: rd.Tree().Path(), Case: m.Case, Kind: m.Kind, Started: m.Started, ManifestSHA256: rd.ManifestSHA256(), Sources: []string{}}
	for _, src := range m.Sources {
		s.Sources = append(s.Sources, src.Name)
	}
	return s
}

type differ struct {
	o    Options
	r    *Report
	b, a *scope // baseline, bundle
}

func (d *differ) add(c Change) { d.r.Changes = append(d.r.Changes, c) }

func (d *differ) notCompared(format string, args ...any) {
	d.r.NotCompared = append(d.r.NotCompared, fmt.Sprintf(format, args...))
}

func (d *differ) count(kind string, side int) {
	n := d.r.Compared[kind]
	n[side]++
	d.r.Compared[kind] = n
}

// scope is what one bundle covered: its sources, its targets, and the
// units it holds only as gaps. A row outside the other bundle's scope is
// not compared: its absence there says nothing.
type scope struct {
	sources map[string]bool
	targets map[string]bool // account/region
	gaps    map[string]bool // source/account/region/unit
	units   map[string]bool // source/account/region/unit seen in rows
}

func newScope(m *archive.Manifest) *scope {
	s := &scope{sources: map[string]bool{}, targets: map[string]bool{}, gaps: map[string]bool{}, units: map[string]bool{}}
	for _, src := range m.Sources {
		s.sources[src.Name] = true
	}
	for _, t := range m.Targets {
		for _, r := range t.Regions {
			s.targets[t.Account+"/"+r] = true
		}
	}
	for _, g := range m.Gaps {
		s.gaps[unitKey(g.Source, g.Account, g.Region, g.Unit)] = true
	}
	return s
}

func unitKey(source, account, region, unit string) string {
	return source + "/" + account + "/" + region + "/" + unit
}

// covers says whether a row the other bundle holds, of this source, unit,
// account and region, would have been seen by this bundle had it existed.
func (s *scope) covers(source, account, region, unit string) bool {
	if !s.sources[source] || s.gaps[unitKey(source, account, region, unit)] {
		return false
	}
	// Global resources (IAM) are recorded under one region; a target
	// list that names the account is enough.
	if s.targets[account+"/"+region] {
		return true
	}
	for t := range s.targets {
		if len(t) > len(account) && t[:len(account)+1] == account+"/" {
			return region == "" || region == "global" || region == "aws-global"
		}
	}
	return false
}

// why says why a row of the other bundle is outside this one's scope,
// or "" when it is inside (see covers), or when this bundle did not run its
// source at all (noted once, by scopeSources).
func (s *scope) why(side, source, account, region, unit string) string {
	switch {
	case !s.sources[source] || s.covers(source, account, region, unit):
		return ""
	case s.gaps[unitKey(source, account, region, unit)]:
		return fmt.Sprintf("%s %s/%s %s: the %s holds it as a gap", source, account, region, unit, side)
	}
	return fmt.Sprintf("%s %s/%s: not a target of the %s", source, account, region, side)
}

// scopeSources notes the sources only one side ran.
func (d *differ) scopeSources() {
	for _, s := range sortedKeys(d.b.sources) {
		if !d.a.sources[s] {
			d.notCompared("source %s: in the baseline only", s)
		}
	}
	for _, s := range sortedKeys(d.a.sources) {
		if !d.b.sources[s] {
			d.notCompared("source %s: in the bundle only", s)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// resource is one resources row without its raw body.
type resource struct {
	Kind, Account, Region string
	ARN, ID, Version      string
	Name, Status          string
	Normalized            string
	Source, Unit          string
	BlobSHA256            string
	norm                  map[string]any // parsed on demand
	parsed                bool
}

// key is the resource's identity.
func (r *resource) key() string {
	v := r.Version
	if r.Kind == schemas.KindLambdaCode {
		v = "" // the version is the code's hash: the content, not the identity
	}
	return r.Kind + "\x00" + r.Account + "\x00" + r.Region + "\x00" + r.ARN + "\x00" + r.ID + "\x00" + v
}

func loadResources(ctx context.Context, rd *archive.Reader, s *scope) (map[string]*resource, error) {
	out := map[string]*resource{}
	err := rd.ScanRows(ctx, schemas.TableResources, func(p archive.Partition, m schemas.Meta, row schemas.Row) error {
		r := row.(*schemas.Resource)
		s.units[unitKey(m.Source, p.Account, p.Region, m.Unit)] = true
		res := &resource{
			Kind: r.Kind, Account: p.Account, Region: p.Region, ARN: r.ARN, ID: r.ID, Version: r.Version,
			Name: r.Name, Status: r.Status, Normalized: r.Normalized, Source: m.Source, Unit: m.Unit,
		}
		if r.BlobSHA256 != nil {
			res.BlobSHA256 = *r.BlobSHA256
		}
		k := res.key()
		if _, dup := out[k]; !dup {
			out[k] = res
		}
		return nil
	})
	return out, err
}
