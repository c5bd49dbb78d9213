package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// --objects and --max-object-bytes bound what is preserved, never what is
// listed: every version is still a row, and a skipped one says why.
func TestObjectBoundsSkipButList(t *testing.T) {
	srv, url := serveLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{}), NoQuotas: true})
	dir := t.TempDir()
	writeTestKey(t, dir)
	r := srv.Responder()
	since, until := srv.Scenario().Window()
	collectObjects := func(name string, b objectBounds) (rows, skipped, blobs int) {
		out := filepath.Join(dir, name)
		o := &collectOptions{
			EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
			Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"us-east-1", "us-west-2", "eu-west-1"},
			Since: since, Until: until, Sources: []string{kbobjects.Source}, Case: name, Out: out,
			Key: filepath.Join(dir, "k.key"), Parallel: 64, DefaultRate: 100, Quiet: true, Objects: b,
		}
		if err := o.Validate(); err != nil {
			t.Fatal(err)
		}
		if _, err := runCollect(context.Background(), testEnv(), o); err != nil {
			t.Fatal(err)
		}
		rd, err := archive.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		err = rd.ScanRows(context.Background(), schemas.TableObjects, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
			obj := row.(*schemas.Object)
			rows++
			if obj.Skipped != nil {
				skipped++
			}
			if m.BlobSHA256 != nil {
				blobs++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows, skipped, blobs
	}
	all, allSkipped, allBlobs := collectObjects("all", objectBounds{})
	if all == 0 || allBlobs == 0 || allSkipped != 0 {
		t.Fatalf("unbounded: %d rows, %d skipped, %d blobs", all, allSkipped, allBlobs)
	}
	none, noneSkipped, noneBlobs := collectObjects("none", objectBounds{Mode: kbobjects.None})
	if none != all || noneBlobs != 0 || noneSkipped == 0 {
		t.Errorf("--objects none: %d rows (want %d), %d skipped, %d blobs (want 0)", none, all, noneSkipped, noneBlobs)
	}
	small, smallSkipped, smallBlobs := collectObjects("small", objectBounds{MaxBytes: 1})
	if small != all || smallSkipped == 0 || smallBlobs >= allBlobs {
		t.Errorf("--max-object-bytes 1: %d rows (want %d), %d skipped, %d blobs", small, all, smallSkipped, smallBlobs)
	}
}
