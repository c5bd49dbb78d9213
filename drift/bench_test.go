package drift

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// largeKB writes a bundle of a knowledge base of n documents, one version
// each, their rows only. Documents i with i%1000 == 0 are overwritten
// (a second version, the latest) when changed is set, those with
// i%1000 == 1 missing, and n/1000 documents added.
func largeKB(tb testing.TB, dir string, n int, changed bool) {
	tb.Helper()
	ctx := context.Background()
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(tb, "ed25519"), ToolVersion: "v0.0.0-test", Now: archivetest.Clock()})
	if err != nil {
		tb.Fatal(err)
	}
	tgt := schemas.Target{Account: acct, Region: region}
	unit := schemas.Unit{Source: "s3.objects", ID: "s3://kb-docs/", Target: tgt}
	put := func(key, version, content string, latest bool) {
		o := &schemas.Object{Bucket: "kb-docs", Key: key, VersionID: version, IsLatest: latest, Size: 2048, ETag: `"` + version + `"`,
			SHA256: sha(content), LedBy: kbLed, LastModified: at, StorageClass: "STANDARD", Operation: "ListObjectVersions", RequestID: "req"}
		if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Unit: unit, ObjectID: "s3://kb-docs/" + key + "?versionId=" + version, ObservedAt: at, Row: o}); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range n {
		key := fmt.Sprintf("docs/section-%03d/document-%07d.md", i%500, i)
		switch {
		case changed && i%1000 == 1:
			continue
		case changed && i%1000 == 0:
			put(key, fmt.Sprintf("v%07d", i), key, false)
			put(key, fmt.Sprintf("w%07d", i), "poison "+key, true)
		default:
			put(key, fmt.Sprintf("v%07d", i), key, true)
		}
	}
	if changed {
		for i := range n / 1000 {
			key := fmt.Sprintf("docs/new/document-%07d.md", i)
			put(key, fmt.Sprintf("n%07d", i), key, true)
		}
	}
	w.SetRun(schemas.Run{Case: "large", Kind: "evidence", Started: at, Since: at.Add(-time.Hour), Until: at,
		Targets: []schemas.TargetInfo{{Account: acct, Regions: []string{region}}}, Sources: []schemas.SourceInfo{{Name: "s3.objects"}}})
	if _, err := w.Close(ctx); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the heap in use while fn runs and returns its peak.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var peak uint64
	var ms runtime.MemStats
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

const largeN = 100_000

func diffLarge(tb testing.TB, base, now string) *Report {
	rep, err := Diff(context.Background(), open(tb, base), open(tb, now), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return rep
}

// A knowledge base of 100,000 documents diffs in bounded memory and finds
// exactly what changed. Its speed is measured by BenchmarkDiff100kObjects, not here:
// a wall-clock bound in a test fails on a loaded machine, not on slow code.
func TestDiffLargeKnowledgeBase(t *testing.T) {
	if testing.Short() {
		t.Skip("writes two bundles of 100,000 objects")
	}
	dir := t.TempDir()
	base, now := filepath.Join(dir, "base"), filepath.Join(dir, "now")
	largeKB(t, base, largeN, false)
	largeKB(t, now, largeN, true)
	var rep *Report
	start := time.Now()
	peak := peakHeap(func() { rep = diffLarge(t, base, now) })
	took := time.Since(start)
	t.Logf("%d objects a side: diff in %v, peak heap in use %.1f MiB", largeN, took.Round(time.Millisecond), float64(peak)/(1<<20))
	if peak > 512<<20 {
		t.Errorf("peak heap %d MiB, want under 512 MiB", peak>>20)
	}
	want := map[string]int{ObjectModified: largeN / 1000, ObjectDeleted: largeN / 1000, ObjectAdded: largeN / 1000}
	for typ, n := range want {
		if rep.Summary.ByType[typ] != n {
			t.Errorf("%d %s, want %d", rep.Summary.ByType[typ], typ, n)
		}
	}
	if len(rep.Changes) != 3*largeN/1000 {
		t.Errorf("%d changes, want %d", len(rep.Changes), 3*largeN/1000)
	}
}

func BenchmarkDiff100kObjects(b *testing.B) {
	dir := b.TempDir()
	base, now := filepath.Join(dir, "base"), filepath.Join(dir, "now")
	largeKB(b, base, largeN, false)
	largeKB(b, now, largeN, true)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		diffLarge(b, base, now)
	}
	b.ReportMetric(float64(2*largeN*b.N)/b.Elapsed().Seconds(), "objects/s")
	b.StopTimer()
	b.ReportMetric(float64(peakHeap(func() { diffLarge(b, base, now) }))/(1<<20), "peak-heap-MiB")
}
