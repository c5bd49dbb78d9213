package archive_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/schemas"
)

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	m := archivetest.Build(t, dir, archivetest.Options{})
	if _, err := os.Stat(dir + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".partial left behind: %v", err)
	}
	r, err := archive.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	// Every row comes back, per table, with its envelope.
	want := map[string]int{}
	for _, e := range archivetest.Evidence(0) {
		if e.Row != nil {
			want[e.Row.Table()]++
		}
	}
	want[schemas.TableGaps] = len(archivetest.Gaps())
	for _, table := range schemas.TableNames() {
		got := 0
		err := r.ScanRows(ctx, table, func(p archive.Partition, meta schemas.Meta, row schemas.Row) error {
			got++
			if row.Table() != table {
				return fmt.Errorf("row of %s in %s", row.Table(), table)
			}
			if meta.Kind == "" || p.Account == "" {
				return fmt.Errorf("empty envelope %+v in %s", meta, table)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want[table] {
			t.Errorf("table %s: %d rows, want %d", table, got, want[table])
		}
		for _, ti := range m.Tables {
			if ti.Name == table && ti.Rows != int64(got) {
				t.Errorf("manifest says %d rows in %s, read %d", ti.Rows, table, got)
			}
		}
	}

	// The knowledge-base document is in three targets and stored once.
	var docSHA string
	objects := 0
	err = r.ScanRows(ctx, schemas.TableObjects, func(_ archive.Partition, meta schemas.Meta, row schemas.Row) error {
		o := row.(*schemas.Object)
		if o.SHA256 == nil || meta.BlobSHA256 == nil || *o.SHA256 != *meta.BlobSHA256 {
			return fmt.Errorf("object without its blob: %+v", o)
		}
		docSHA = *o.SHA256
		objects++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if objects != 3 || m.Blobs.Count != 5 {
		t.Errorf("%d objects, %d blobs; want 3 and 5 (3 guardrails, 1 document, 1 trail file)", objects, m.Blobs.Count)
	}
	rc, err := r.OpenBlob(docSHA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !strings.Contains(string(b), "ignore all prior instructions") {
		t.Errorf("blob %q, %v", b, err)
	}
	if len(m.Gaps) != 2 {
		t.Errorf("gaps %+v", m.Gaps)
	}
}

func TestCreateRefusesExisting(t *testing.T) {
	dir := t.TempDir()
	if _, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")}); !errors.Is(err, os.ErrExist) {
		t.Fatalf("Create over an existing directory: %v", err)
	}
	if _, err := archive.Create(filepath.Join(dir, "x"), archive.WriterOptions{}); err == nil {
		t.Fatal("Create without a signer succeeded")
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range archivetest.Evidence(2) {
		if err := w.Put(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, dir + ".partial"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists after Abort", p)
		}
	}
	if err := w.Put(context.Background(), archivetest.Evidence(1)[0]); !errors.Is(err, archive.ErrClosed) {
		t.Errorf("Put after Abort: %v", err)
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n > 0 {
		f.n--
		return copy(p, "partial content"), nil
	}
	return 0, errors.New("connection reset")
}

func TestBodyErrorDoesNotHarmBundle(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519")})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Put(ctx, schemas.Evidence{Kind: schemas.KindS3Object, Row: &schemas.Object{Key: "k"}, Body: &failingReader{n: 3}})
	if !archive.IsBodyError(err) {
		t.Fatalf("Put with a failing body: %v", err)
	}
	if _, err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentPut(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), BlobWorkers: 3, RowsPerFile: 50})
	if err != nil {
		t.Fatal(err)
	}
	concurrently(t, 8, func(g int) error {
		for i := range 100 {
			tgt := archivetest.Targets[(g+i)%len(archivetest.Targets)]
			e := schemas.Evidence{
				Kind: schemas.KindS3Object, Unit: schemas.Unit{Source: "kb", ID: "u", Target: tgt},
				ObjectID: fmt.Sprintf("s3://b/%d/%d", g, i),
				Row:      &schemas.Object{Bucket: "b", Key: fmt.Sprintf("%d/%d", g, i)},
				Body:     strings.NewReader(fmt.Sprintf("content %d", i%10)),
			}
			if err := w.Put(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if m.Blobs.Count != 10 {
		t.Errorf("%d blobs, want 10 (deduplicated)", m.Blobs.Count)
	}
	var rows, files int64
	for _, ti := range m.Tables {
		if ti.Name == schemas.TableObjects {
			rows, files = ti.Rows, int64(ti.Files)
		}
	}
	if rows != 800 || files < 16 {
		t.Errorf("objects: %d rows in %d files, want 800 in at least 16 (50 rows per file)", rows, files)
	}
}

// concurrently runs fn on n goroutines, numbered from 0, and fails the
// test with the errors they return.
func concurrently(t *testing.T, n int, fn func(g int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for g := range n {
		wg.Go(func() {
			if err := fn(g); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// TestPutDuringClose: rows Put while Close runs are either in the sealed
// bundle (Put returned nil) or refused with ErrClosed, never lost.
func TestPutDuringClose(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "b")
	w, err := archive.Create(dir, archive.WriterOptions{Signer: archivetest.Signer(t, "ed25519"), BlobWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	accepted := 0
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				err := w.Put(ctx, schemas.Evidence{
					Kind: schemas.KindS3Object, Unit: schemas.Unit{Target: archivetest.Targets[g%3]},
					Row: &schemas.Object{Key: fmt.Sprint(g, "/", i)}, Body: strings.NewReader(fmt.Sprint(i % 7)),
				})
				if errors.Is(err, archive.ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := accepted
		mu.Unlock()
		if n > 200 {
			break
		}
		runtime.Gosched()
	}
	m, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var rows int64
	for _, ti := range m.Tables {
		rows += ti.Rows
	}
	if rows != int64(accepted) {
		t.Errorf("%d rows sealed, %d Puts accepted", rows, accepted)
	}
}

func TestPartitionValue(t *testing.T) {
	for in, want := range map[string]string{
		"":             "__HIVE_DEFAULT_PARTITION__",
		"123456789012": "123456789012",
		"us-east-1":    "us-east-1",
		".":            "%2E",
		"..":           "%2E%2E",
		"a.b":          "a.b",
		"a/b":          "a%2Fb",
		"50%":          "50%25",
		"é":            "%C3%A9",
	} {
		got := archive.PartitionValue(in)
		if got != want {
			t.Errorf("PartitionValue(%q) = %q, want %q", in, got, want)
		}
		if err := archive.CheckPath(archive.PartitionDir("gaps", archive.Partition{Account: in, Region: in})); err != nil {
			t.Errorf("partition %q: %v", in, err)
		}
	}
}
