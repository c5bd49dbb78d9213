package archive_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// TestRowsSurviveBufferReuse writes CloudTrail rows from several
// goroutines into several partitions, each flushing several batches into
// several files through reused Arrow buffers that the pool overwrites as
// it takes them back, then reads every row back and compares it, envelope
// included, field by field with what was put: anything that read a buffer
// after freeing it, or a buffer handed out again while a batch still used
// it, would show as a changed row.
func TestRowsSurviveBufferReuse(t *testing.T) {
	archive.PoisonFreedBuffers(t)
	ctx := context.Background()
	rows := trailRows(12000)
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), RowsPerFile: 2500})
	if err != nil {
		t.Fatal(err)
	}
	concurrently(t, 4, func(g int) error {
		for i := g; i < len(rows); i += 4 {
			c := *rows[i]
			tgt := archivetest.Targets[i%len(archivetest.Targets)]
			e := schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: schemas.Unit{Source: "trail", ID: "u", Target: tgt}, ObjectID: c.EventID, Row: &c}
			if err := w.Put(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}

	want := map[string]*schemas.CloudTrailEvent{}
	for _, r := range rows {
		want[r.EventID] = r
	}
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := 0
	err = r.ScanRows(ctx, schemas.TableCloudTrailEvents, func(p archive.Partition, meta schemas.Meta, row schemas.Row) error {
		e := row.(*schemas.CloudTrailEvent)
		w, ok := want[e.EventID]
		if !ok {
			t.Fatalf("row with unknown event id %q", e.EventID)
		}
		if meta.ObjectID != e.EventID || meta.Kind != schemas.KindCloudTrailEvent || meta.Source != "trail" || meta.Unit != "u" || p.Account == "" {
			t.Fatalf("event %s read back with envelope %+v in %+v", e.EventID, meta, p)
		}
		if !sameEvent(e, w) {
			t.Fatalf("event %s read back as\n%+v\nwant\n%+v", e.EventID, e, w)
		}
		delete(want, e.EventID)
		got++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 0 {
		t.Fatalf("%d rows read back, %d missing", got, len(want))
	}
}

// sameEvent compares two rows with their times as instants.
func sameEvent(a, b *schemas.CloudTrailEvent) bool {
	x, y := *a, *b
	if !x.EventTime.Equal(y.EventTime) || !x.Time.Equal(y.Time) || !x.AcquiredAt.Equal(y.AcquiredAt) {
		return false
	}
	x.EventTime, x.Time, x.AcquiredAt = y.EventTime, y.Time, y.AcquiredAt
	return reflect.DeepEqual(x, y)
}
