package archive_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// A projected scan reads the named columns only, fills exactly those
// fields, and yields every row.
func TestScanRowsColumns(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	archivetest.Build(t, dir, archivetest.Options{})
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	var full []schemas.CloudTrailEvent
	var ids []string
	err = r.ScanRows(ctx, schemas.TableCloudTrailEvents, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		full = append(full, *row.(*schemas.CloudTrailEvent))
		ids = append(ids, m.ObjectID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(full) == 0 {
		t.Fatal("no events in the test bundle")
	}

	cols := []string{"event_name", "event_id", "no_such_column", "event_time"}
	err = r.ScanColumns(ctx, schemas.TableCloudTrailEvents, cols, func(_ archive.Partition, rec arrow.RecordBatch) error {
		var got []string
		for _, f := range rec.Schema().Fields() {
			got = append(got, f.Name)
		}
		if want := []string{"event_id", "event_time", "event_name"}; !reflect.DeepEqual(got, want) {
			t.Errorf("columns read %v, want %v (file order)", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	i := 0
	var meta schemas.Meta
	err = r.ScanRowsColumns(ctx, schemas.TableCloudTrailEvents, cols, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		want := schemas.CloudTrailEvent{EventID: full[i].EventID, EventName: full[i].EventName, EventTime: full[i].EventTime}
		if !reflect.DeepEqual(*ev, want) {
			t.Errorf("row %d: %+v, want only the projected fields %+v", i, *ev, want)
		}
		meta = m
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(full) {
		t.Errorf("%d rows projected, %d in full", i, len(full))
	}
	if meta != (schemas.Meta{}) {
		t.Errorf("meta decoded though not asked for: %+v", meta)
	}

	// The object id alone: stored as null where it is the event id, it is
	// read from event_id.
	i = 0
	err = r.ScanRowsColumns(ctx, schemas.TableCloudTrailEvents, []string{schemas.ObjectIDColumn}, func(_ archive.Partition, m schemas.Meta, _ schemas.Row) error {
		if m.ObjectID != ids[i] || m.ObjectID == "" {
			t.Errorf("row %d: object id %q, want %q", i, m.ObjectID, ids[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(full) {
		t.Fatalf("%d rows, %v", i, err)
	}

	// No column the file has: every row still comes.
	n := 0
	err = r.ScanRowsColumns(ctx, schemas.TableCloudTrailEvents, []string{"no_such_column"}, func(archive.Partition, schemas.Meta, schemas.Row) error {
		n++
		return nil
	})
	if err != nil || n != len(full) {
		t.Errorf("%d rows, %v; want %d", n, err, len(full))
	}
}
