package report

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// scanOrder is the order tables are read in: configuration and objects
// first, so detectors of events know which buckets feed knowledge bases
// and which roles are agents'.
var scanOrder = []string{schemas.TableResources, schemas.TableObjects, schemas.TableGaps, schemas.TableInvocations, schemas.TableCloudTrailEvents}

// Options configure Generate.
type Options struct {
	// Verifier checks the bundle's signature. Generate refuses a bundle
	// that does not verify.
	Verifier signature.Verifier
	Rules    []Rule           // nil = Rules()
	Now      func() time.Time // nil = time.Now
	Logger   *slog.Logger     // nil = discard
}

// UnverifiedError is returned for a bundle that failed verification: no
// report is made from evidence that cannot be trusted.
type UnverifiedError struct {
	Bundle   string
	Problems []verify.Problem
}

func (e *UnverifiedError) Error() string {
	s := fmt.Sprintf("report: %s failed verification with %d problems", e.Bundle, len(e.Problems))
	if len(e.Problems) > 0 {
		s += "; first: " + e.Problems[0].String()
	}
	return s
}

// ErrNoVerifier: Generate needs a key to verify against.
var ErrNoVerifier = errors.New("report: a verifier is required: the bundle is verified before it is read")

// Generate verifies a bundle and triages it.
func Generate(ctx context.Context, bundle string, o Options) (*Report, error) {
	if o.Verifier == nil {
		return nil, ErrNoVerifier
	}
	vr, err := verify.Verify(ctx, bundle, verify.Options{Verifier: o.Verifier, Logger: o.Logger})
	if err != nil {
		return nil, err
	}
	if !vr.OK {
		return nil, &UnverifiedError{Bundle: bundle, Problems: vr.Problems}
	}
	rd, err := archive.Open(bundle)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	rep, err := Read(ctx, rd, o)
	if err != nil {
		return nil, err
	}
	rep.Bundle, rep.Verified = bundle, true
	return rep, nil
}

// Read triages an open bundle without verifying it; Generate is the
// entry point for bundles from elsewhere.
func Read(ctx context.Context, rd *archive.Reader, o Options) (*Report, error) {
	m := rd.Manifest()
	e := NewEngine(Window{Since: m.Window.Since, Until: m.Window.Until}, o.Rules)
	e.SetBlobs(rd)
	for _, t := range scanOrder {
		err := rd.ScanRowsColumns(ctx, t, e.Columns(t), func(p archive.Partition, meta schemas.Meta, row schemas.Row) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			e.Observe(NewRecord(t, p, meta, row))
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("report: read %s: %w", t, err)
		}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	rep := e.Report(m)
	rep.Generated = now().UTC()
	rep.ManifestSHA256 = rd.ManifestSHA256()
	return rep, nil
}

// baseColumns are the columns the engine reads of a table for every rule:
// to point at a row, to name who acted and to draw the timeline. A table
// not listed is read whole.
var baseColumns = map[string][]string{
	schemas.TableCloudTrailEvents: {"event_id", "event_time", "element", "read_only",
		"user_identity_type", "user_identity_arn", "session_issuer_arn", "actor_user_uid", "source_ip_address"},
	schemas.TableInvocations: {"time", "request_id", "identity_arn"},
}

// Columns returns the columns of a table the engine and its rules read:
// nil when every column is needed.
func (e *Engine) Columns(table string) []string {
	cols, ok := baseColumns[table]
	if !ok {
		return nil
	}
	cols = slices.Clone(cols)
	for _, r := range e.rules {
		if !slices.Contains(r.Tables, table) {
			continue
		}
		if r.Columns == nil {
			return nil
		}
		for _, c := range r.Columns {
			if !slices.Contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	return cols
}

// guardLatest is a guardrail's newest version and its sensitive filters.
type guardLatest struct {
	version   string
	sensitive int
}

// elementStats is what the cloudtrail_events table says about an element.
type elementStats struct {
	events, writes int64
	first, last    time.Time
	// ids counts events by identity, capped at maxIDs. The counts are
	// pointers so that counting never assigns to the map: an assignment
	// would store the row's key, which shares its column's buffer.
	ids map[string]*int64
}

const maxIDs = 5000

// Engine runs the rules over rows fed to it and keeps the aggregates the
// report needs: never the rows themselves.
type Engine struct {
	rules   []Rule
	dets    []Detector
	tables  [][]string // tables of each rule
	ctx     *Context
	rows    map[string]int64
	kinds   map[string]int64 // resources by kind
	elems   map[string]*elementStats
	logOff  map[string]bool // account/region with invocation logging absent
	logOn   map[string]bool
	invoked map[string]bool        // account/region with model calls in CloudTrail
	guards  map[string]guardLatest // account/guardrail id -> newest version
	tl      *timeline
	regions []string
	accts   []string
}

// NewEngine makes an engine for a collection window. rules nil means
// Rules().
func NewEngine(w Window, rules []Rule) *Engine {
	if rules == nil {
		rules = Rules()
	}
	e := &Engine{rules: rules, ctx: newContext(w), rows: map[string]int64{}, kinds: map[string]int64{},
		elems: map[string]*elementStats{}, tl: newTimeline(w), guards: map[string]guardLatest{},
		logOff: map[string]bool{}, logOn: map[string]bool{}, invoked: map[string]bool{}}
	for _, r := range rules {
		e.dets = append(e.dets, r.New())
		e.tables = append(e.tables, r.Tables)
	}
	return e
}

// SetBlobs lets rules read content (knowledge-base documents) from the
// bundle's blobs.
func (e *Engine) SetBlobs(b Blobs) { e.ctx.blobs = b }

var (
	roleARN   = regexp.MustCompile(`arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+`)
	bucketARN = regexp.MustCompile(`arn:aws[a-z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])`)
)

// learn records what later tables' detectors need to know.
func (e *Engine) learn(r *Record) {
	switch {
	case r.Resource != nil:
		res := r.Resource
		e.kinds[res.Kind]++
		doc := res.Normalized + "\n" + res.Raw
		switch {
		case res.Kind == schemas.KindRole:
			var snap roleSnapshot
			if _, ok := e.ctx.agentRoles[res.ARN]; !ok && json.Unmarshal([]byte(res.Normalized), &snap) == nil {
				if why := trustedBy(snap.Trust); why != "" {
					e.ctx.agentRoles[res.ARN] = why
				}
			}
		case strings.Contains(res.Kind, "agent") || res.Kind == schemas.KindActionGroup || res.Kind == schemas.KindLambdaFunction:
			what := "execution role of agent " + res.Name
			if res.Kind == schemas.KindLambdaFunction {
				what = "role of function " + res.Name
			}
			for _, a := range roleARN.FindAllString(doc, 16) {
				e.ctx.agentRoles[a] = what
			}
		case res.Kind == "aws.s3.bucket":
			// Only the bucket itself: the buckets its policy names hold no
			// data of the AI's.
			if res.ID != "" {
				e.noteBucket(res.ID, "")
			}
		case res.Kind == schemas.KindDataSource || strings.Contains(res.Kind, "data-source"):
			for _, m := range bucketARN.FindAllStringSubmatch(doc, 16) {
				e.noteBucket(m[1], res.ARN)
			}
		case res.Kind == schemas.KindGuardrail:
			k := guardKey(r.Partition.Account, res.ID)
			if cur, ok := e.guards[k]; !ok || numberedAfter(res.Version, cur.version) {
				n := 0
				if p, ok := parseGuard(res); ok {
					n = p.sensitiveFilters()
				}
				e.guards[k] = guardLatest{version: res.Version, sensitive: n}
			}
		case res.Kind == schemas.KindLoggingConfig:
			k := r.Partition.Account + "/" + r.Partition.Region
			if res.Status == "absent" {
				e.logOff[k] = true
			} else {
				e.logOn[k] = true
			}
		}
	case r.Object != nil:
		e.noteBucket(r.Object.Bucket, r.Object.LedBy)
	case r.Event != nil:
		ev := r.Event
		el := ev.Element
		if el == "" {
			el = ElementInfrastructure
		}
		s := e.elems[el]
		if s == nil {
			s = &elementStats{ids: map[string]*int64{}}
			e.elems[own(el)] = s
		}
		s.events++
		if ev.ReadOnly != nil && !*ev.ReadOnly {
			s.writes++
		}
		widen(&s.first, &s.last, ev.EventTime, ev.EventTime)
		if el == ElementInvocation {
			e.invoked[r.Partition.Account+"/"+r.Partition.Region] = true
		}
		id := identity(ev)
		if n, ok := s.ids[id]; ok {
			*n++
		} else if len(s.ids) < maxIDs {
			s.ids[own(id)] = new(int64(1))
		}
		e.tl.add(id, ev.EventTime)
	}
}

// noteBucket records a bucket the AI's data lives in and what led to it;
// a data source or job that led to it is kept over a bare mention.
func (e *Engine) noteBucket(b, ledBy string) {
	if cur, ok := e.ctx.kbBuckets[b]; !ok || (cur == "" || strings.HasPrefix(cur, "arn:aws:s3:::")) && ledBy != "" {
		e.ctx.kbBuckets[b] = ledBy
	}
}

// Observe feeds one row to the engine.
func (e *Engine) Observe(r *Record) {
	e.rows[r.Table]++
	if r.Partition.Account != "" && len(e.accts) < 10000 && !slices.Contains(e.accts, r.Partition.Account) {
		e.accts = append(e.accts, r.Partition.Account)
	}
	if r.Partition.Region != "" && !slices.Contains(e.regions, r.Partition.Region) {
		e.regions = append(e.regions, r.Partition.Region)
	}
	e.learn(r)
	for i, d := range e.dets {
		if slices.Contains(e.tables[i], r.Table) {
			d.Observe(e.ctx, r)
		}
	}
}

// Findings runs every detector's conclusion, fills in the rule of each
// finding, and orders them: most severe first, then by time. A rule lists
// at most maxFindings, its most severe and most supported.
func (e *Engine) Findings() []Finding {
	fs, _ := e.findings()
	return fs
}

// findings is Findings and the limits the caps imposed on them.
func (e *Engine) findings() ([]Finding, []string) {
	var out []Finding
	var limits []string
	for i, d := range e.dets {
		r := e.rules[i]
		if l, ok := d.(limited); ok {
			for _, s := range l.limits() {
				limits = append(limits, r.ID+": "+s+".")
			}
		}
		fs := d.Findings(e.ctx)
		if len(fs) > maxFindings {
			for j := range fs {
				fs[j].Severity = cmp.Or(fs[j].Severity, r.Severity)
			}
			slices.SortStableFunc(fs, func(a, b Finding) int {
				if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
					return c
				}
				return cmp.Compare(b.Count, a.Count)
			})
			var rows int64
			for _, f := range fs[maxFindings:] {
				rows += f.Count
			}
			limits = append(limits, fmt.Sprintf("%s: %d more findings (%s, %s at most) are not listed; the %d most severe and most supported are.",
				r.ID, len(fs)-maxFindings, plural(rows, "row", "rows"), fs[maxFindings].Severity, maxFindings))
			fs = fs[:maxFindings:maxFindings]
		}
		for _, f := range fs {
			f.Rule, f.Title = r.ID, r.Title
			if f.Element == "" {
				f.Element = r.Element
			}
			if f.Severity == 0 {
				f.Severity = r.Severity
			}
			if f.Principals == nil {
				f.Principals = []string{}
			}
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int {
		if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
			return c
		}
		if c := a.First.Compare(b.First); c != 0 {
			return c
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	n := map[string]int{}
	for i := range out {
		n[out[i].Rule]++
		out[i].ID = fmt.Sprintf("%s#%d", out[i].Rule, n[out[i].Rule])
	}
	return out, limits
}

// Report assembles the report; m is the bundle's manifest (nil for rows
// fed by hand).
func (e *Engine) Report(m *archive.Manifest) *Report {
	rep := &Report{MediaType: MediaType, Window: e.ctx.Window}
	if m != nil {
		rep.Case, rep.Title = m.Case, m.Title
		rep.Gaps = len(m.Gaps)
	}
	for _, t := range schemas.TableNames() {
		rep.Tables = append(rep.Tables, Table{Name: t, Rows: e.rows[t]})
	}
	rep.Accounts, rep.Regions = slices.Sorted(slices.Values(e.accts)), slices.Sorted(slices.Values(e.regions))
	if m != nil {
		for _, t := range m.Targets {
			rep.Accounts = addSorted(rep.Accounts, t.Account)
			for _, r := range t.Regions {
				rep.Regions = addSorted(rep.Regions, r)
			}
		}
	}
	rep.Findings, rep.Limits = e.findings()
	rep.Summary = summarize(rep.Findings)
	rep.Elements = e.answers(m, rep.Findings)
	rep.Timeline = e.tl.build(rep.Findings)
	rep.Limits = append(rep.Limits, e.tl.limits()...)
	for _, r := range e.rules {
		rep.Rules = append(rep.Rules, r.Info())
	}
	return rep
}

func addSorted(xs []string, s string) []string {
	if s == "" {
		return xs
	}
	i, found := slices.BinarySearch(xs, s)
	if found {
		return xs
	}
	return slices.Insert(xs, i, s)
}

func summarize(fs []Finding) Summary {
	s := Summary{Findings: len(fs), BySeverity: map[string]int{}, Principals: []string{}}
	var top Severity
	for _, f := range fs {
		s.BySeverity[f.Severity.String()]++
		top = max(top, f.Severity)
		if f.Severity >= High {
			for _, p := range f.Principals {
				if !slices.Contains(s.Principals, p) {
					s.Principals = append(s.Principals, p)
				}
			}
		}
	}
	slices.Sort(s.Principals)
	if top > 0 {
		s.Highest = top.String()
	}
	switch {
	case len(fs) == 0:
		s.Headline = "No rule raised a finding."
	case top >= High:
		var els []string
		for _, f := range fs {
			if f.Severity >= High && !slices.Contains(els, f.Element) {
				els = append(els, f.Element)
			}
		}
		s.Headline = fmt.Sprintf("%d high-severity findings across %s, involving %s.", s.BySeverity["high"]+s.BySeverity["critical"],
			strings.Join(els, ", "), list(shortAll(s.Principals), 3))
	default:
		s.Headline = fmt.Sprintf("%d findings, none of high severity; the highest is %s.", len(fs), s.Highest)
	}
	return s
}

func shortAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = shortARN(x)
	}
	return out
}
