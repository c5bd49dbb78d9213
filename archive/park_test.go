package archive_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

// TestQuietPartitionsParkAndWake: partitions that fall quiet give their
// goroutines back, and a row arriving afterwards is written all the same.
func TestQuietPartitionsParkAndWake(t *testing.T) {
	ctx := context.Background()
	w, err := archive.Create(filepath.Join(t.TempDir(), "b"), archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	const parts = 300
	put := func(round int) {
		for i := range parts {
			tgt := schemas.Target{Account: fmt.Sprintf("%012d", i), Region: "us-east-1"}
			e := schemas.Evidence{
				Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "kb", ID: "u", Target: tgt},
				ObjectID: fmt.Sprintf("s3://b/%d/%d", round, i),
				Row:      &schemas.Object{Bucket: "b", Key: fmt.Sprintf("%d/%d", round, i)},
			}
			if err := w.Put(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := runtime.NumGoroutine()
	put(0)
	// Other goroutines of the process come and go: a tenth's slack.
	if busy := runtime.NumGoroutine() - before; busy < parts-parts/10 {
		t.Fatalf("%d goroutines for %d busy partitions", busy, parts)
	}
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine()-before > parts/10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still running after the partitions fell quiet", runtime.NumGoroutine()-before)
		}
		time.Sleep(100 * time.Millisecond)
	}
	put(1)
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range m.Tables {
		if ti.Name == schemas.TableObjects && ti.Rows != 2*parts {
			t.Errorf("objects: %d rows, want %d", ti.Rows, 2*parts)
		}
	}
}
