package main

import (
	"context"
	"fmt"
	"io"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// recordColumns are the cloudtrail_events columns that find and read a
// row's record.
var recordColumns = []string{"event_id", "via", "blob_sha256", "record_index", "raw_offset", "raw_size", "raw"}

// printRecords writes every CloudTrail record of the bundle whose event id
// is id, exactly as AWS delivered it, each followed by a newline, and where
// each came from to info. An event seen through LookupEvents and a trail
// file is printed once for each. It is an error when no row has the id.
func printRecords(ctx context.Context, r *archive.Reader, id string, out, info io.Writer) error {
	n := 0
	err := r.ScanRowsColumns(ctx, schemas.TableCloudTrailEvents, recordColumns, func(p archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		if ev.EventID != id {
			return nil
		}
		rec, err := trailfiles.Record(ev, r.OpenBlob)
		if err != nil {
			return err
		}
		from := "its row"
		if ev.RawOffset != nil {
			from = fmt.Sprintf("blob %s at %d", *ev.BlobSHA256, *ev.RawOffset)
		}
		fmt.Fprintf(info, "custody: %s: account %s, region %s, via %s, record %d, %d bytes from %s\n",
			id, p.Account, p.Region, ev.Via, ev.RecordIndex, len(rec), from)
		n++
		if _, err := out.Write(rec); err != nil {
			return err
		}
		_, err = io.WriteString(out, "\n")
		return err
	})
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("no cloudtrail_events row has event id %q", id)
	}
	return nil
}
