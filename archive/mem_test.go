package archive_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// TestMemoryBounded writes 240,000 CloudTrail-like rows (~1 KiB raw each)
// into four partitions and checks that the live heap after the last rows is
// not much more than after the first: memory does not grow with the
// evidence.
func TestMemoryBounded(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("slow; memory figures are meaningless under the race detector")
	}
	rows := trailRows(4000)
	w, err := archive.Create(filepath.Join(t.TempDir(), "b"), archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	ctx := context.Background()
	live := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	// One row group cycle is about 15 rounds; compare the peak of an early
	// cycle with the peak of the last one.
	var first, last uint64
	const rounds = 60
	for i := range rounds {
		for j, r := range rows {
			c := *r
			tgt := schemas.Target{Account: "111111111111", Region: []string{"a", "b", "c", "d"}[j%4]}
			if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: schemas.Unit{Target: tgt}, Row: &c}); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case i >= 5 && i < 20:
			first = max(first, live())
		case i >= rounds-15:
			last = max(last, live())
		}
	}
	t.Logf("peak live heap over rows %d-%d: %d MiB; over rows %d-%d: %d MiB", 5*len(rows), 20*len(rows), first>>20, (rounds-15)*len(rows), rounds*len(rows), last>>20)
	if last > 2*first {
		t.Errorf("heap grew from %d MiB to %d MiB while the rows grew threefold", first>>20, last>>20)
	}
}
