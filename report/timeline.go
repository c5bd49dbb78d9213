package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Timeline limits.
const (
	timelineBuckets = 120  // about this many buckets over the window
	timelineSeries  = 12   // principals drawn, besides those of high findings
	timelineMaxIDs  = 2000 // identities counted one by one; the rest are "other"
	maxLaneBuckets  = 1024 // buckets one identity is counted in; events past them are not drawn
	otherSeries     = "(other identities)"
)

var niceBuckets = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// timeline counts events per identity per bucket.
type timeline struct {
	bucket  time.Duration
	ids     map[string]map[int64]int64
	other   int64 // events counted as otherSeries
	undrawn int64 // events past a lane's maxLaneBuckets
	clipped int64 // events of drawn lanes before the buckets drawn
}

// limits says what the caps left out of the timeline.
func (t *timeline) limits() []string {
	var out []string
	if t.other > 0 {
		out = append(out, fmt.Sprintf("timeline: %d events of identities past the first %d are counted as %s.", t.other, timelineMaxIDs, otherSeries))
	}
	if t.undrawn > 0 {
		out = append(out, fmt.Sprintf("timeline: %d events in buckets past the first %d of their identity are not drawn.", t.undrawn, maxLaneBuckets))
	}
	if t.clipped > 0 {
		out = append(out, fmt.Sprintf("timeline: %d events more than %d buckets before the latest are not drawn.", t.clipped, maxLaneBuckets))
	}
	return out
}

func newTimeline(w Window) *timeline {
	b := time.Hour
	if !w.Since.IsZero() && w.Until.After(w.Since) {
		want := w.Until.Sub(w.Since) / timelineBuckets
		b = niceBuckets[len(niceBuckets)-1]
		for _, n := range niceBuckets {
			if n >= want {
				b = n
				break
			}
		}
	}
	return &timeline{bucket: b, ids: map[string]map[int64]int64{}}
}

func (t *timeline) add(id string, at time.Time) {
	if at.IsZero() {
		return
	}
	m, ok := t.ids[id]
	if !ok {
		if len(t.ids) >= timelineMaxIDs {
			id = otherSeries
			m = t.ids[id]
			t.other++
		}
		if m == nil {
			m = map[int64]int64{}
			t.ids[own(id)] = m
		}
	}
	k := at.UnixNano() / int64(t.bucket)
	if _, ok := m[k]; !ok && len(m) >= maxLaneBuckets {
		t.undrawn++
		return
	}
	m[k]++
}

func (t *timeline) build(fs []Finding) Timeline {
	out := Timeline{Bucket: Duration(t.bucket), Series: []Series{}, Marks: []TimelineMark{}}
	type tot struct {
		id string
		n  int64
	}
	var tots []tot
	lo, hi := int64(1<<62), int64(-1<<62)
	for id, m := range t.ids {
		var n int64
		for k, c := range m {
			n += c
			lo, hi = min(lo, k), max(hi, k)
		}
		tots = append(tots, tot{id, n})
	}
	if len(tots) == 0 {
		return out
	}
	slices.SortFunc(tots, func(a, b tot) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	var pick []string
	for _, f := range fs {
		if f.Severity < High {
			continue
		}
		for _, p := range f.Principals {
			if _, ok := t.ids[p]; ok && !slices.Contains(pick, p) && len(pick) < timelineSeries {
				pick = append(pick, p)
			}
		}
	}
	high := len(pick)
	for _, x := range tots {
		if len(pick) >= high+timelineSeries {
			break
		}
		if !slices.Contains(pick, x.id) {
			pick = append(pick, x.id)
		}
	}
	n := hi - lo + 1
	if n > maxLaneBuckets {
		// Events far from the rest (a clock off by years, say) would
		// stretch every lane: the latest maxLaneBuckets buckets are drawn.
		lo, n = hi-maxLaneBuckets+1, maxLaneBuckets
	}
	out.Start = time.Unix(0, lo*int64(t.bucket)).UTC()
	totals := map[string]int64{}
	for _, x := range tots {
		totals[x.id] = x.n
	}
	// Principals of high findings first, then the busiest.
	slices.SortStableFunc(pick[:high], func(a, b string) int { return cmp.Compare(totals[b], totals[a]) })
	slices.SortStableFunc(pick[high:], func(a, b string) int { return cmp.Compare(totals[b], totals[a]) })
	for _, id := range pick {
		s := Series{Principal: id, Total: totals[id], Counts: make([]int64, n)}
		for k, c := range t.ids[id] {
			if k < lo {
				t.clipped += c
				continue
			}
			s.Counts[k-lo] = c
		}
		out.Series = append(out.Series, s)
	}
	end := out.Start.Add(time.Duration(n) * t.bucket)
	for _, f := range fs {
		// Findings about configuration carry the time it was read, which
		// can lie outside the events drawn: those are not marked.
		if f.First.Before(out.Start) || !f.First.Before(end) {
			continue
		}
		mk := TimelineMark{Finding: f.ID, Severity: f.Severity, Time: f.First}
		for _, p := range f.Principals {
			if _, ok := t.ids[p]; ok {
				mk.Principal = p
				break
			}
		}
		out.Marks = append(out.Marks, mk)
	}
	return out
}
