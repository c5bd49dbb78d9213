package archive

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/klauspost/compress/zstd"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/schemas"
)

// Limits of what a reader loads into memory.
const (
	MaxManifestSize  = 1 << 30 // manifest.json
	MaxSignatureSize = 1 << 30 // manifest.sigstore.json
	MaxCustodySize   = 64 << 20
)

// Reader reads a bundle. Open checks the manifest's format version and
// form, not the bundle's integrity: run verify.Verify for that.
type Reader struct {
	tree        *Tree
	m           *Manifest
	manifestSHA string
	blobs       map[string]int // raw sha256 → index in m.Files
}

// Open opens a bundle directory or its .tar.
func Open(path string) (*Reader, error) {
	useSharedCodec()
	t, err := OpenTree(path)
	if err != nil {
		return nil, err
	}
	b, err := t.ReadAll(ManifestName, MaxManifestSize)
	if err != nil {
		t.Close()
		return nil, err
	}
	m, err := ParseManifest(b)
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("archive: open %s: %w", path, err)
	}
	r := &Reader{tree: t, m: m, manifestSHA: hashing.Bytes(b), blobs: make(map[string]int)}
	for i, f := range m.Files {
		if f.IsBlob() {
			r.blobs[f.RawSHA256] = i
		}
	}
	return r, nil
}

// Close releases the bundle.
func (r *Reader) Close() error { return r.tree.Close() }

// Manifest is the bundle's parsed manifest.json.
func (r *Reader) Manifest() *Manifest { return r.m }

// ManifestSHA256 is the hex sha256 of manifest.json as read.
func (r *Reader) ManifestSHA256() string { return r.manifestSHA }

// Tree is the bundle's file tree.
func (r *Reader) Tree() *Tree { return r.tree }

// Custody reads and checks custody.jsonl (see CheckCustody).
func (r *Reader) Custody(sealKey signature.Verifier) (links []CustodyLink, head string, err error) {
	b, err := r.tree.ReadAll(CustodyName, MaxCustodySize)
	if err != nil {
		return nil, "", err
	}
	return CheckCustody(b, r.manifestSHA, sealKey)
}

// Scan calls fn with every record batch of a table, partition by partition
// in manifest order. The record is valid only during the call.
func (r *Reader) Scan(ctx context.Context, table string, fn func(p Partition, rec arrow.RecordBatch) error) error {
	for _, f := range r.m.Files {
		if f.Table != table || f.Partition == nil {
			continue
		}
		if err := r.scanFile(ctx, f, nil, fn); err != nil {
			return err
		}
	}
	return nil
}

// ScanColumns is Scan reading only the named columns: the record batches
// hold those of them the file has, in the file's column order, and no
// other column is read or decompressed. cols nil reads every column. A
// file that has none of the columns is read by its first column alone, so
// the batches still carry every row.
func (r *Reader) ScanColumns(ctx context.Context, table string, cols []string, fn func(p Partition, rec arrow.RecordBatch) error) error {
	if cols == nil {
		return r.Scan(ctx, table, fn)
	}
	for _, f := range r.m.Files {
		if f.Table != table || f.Partition == nil {
			continue
		}
		if err := r.scanFile(ctx, f, cols, fn); err != nil {
			return err
		}
	}
	return nil
}

// ScanRows is Scan decoded into row structs (see schemas.DecodeRows).
func (r *Reader) ScanRows(ctx context.Context, table string, fn func(p Partition, m schemas.Meta, row schemas.Row) error) error {
	return r.ScanRowsColumns(ctx, table, nil, fn)
}

// ScanRowsColumns is ScanRows reading and decoding only the named
// columns: every other field of the rows is left zero. cols nil decodes
// every column, as ScanRows does. Asking for schemas.ObjectIDColumn of a
// table whose rows have an id column reads that column too, since the
// object id is stored there where the two are the same.
func (r *Reader) ScanRowsColumns(ctx context.Context, table string, cols []string, fn func(p Partition, m schemas.Meta, row schemas.Row) error) error {
	if id := schemas.RowIDColumn(table); id != "" && slices.Contains(cols, schemas.ObjectIDColumn) && !slices.Contains(cols, id) {
		cols = append(slices.Clip(cols), id)
	}
	return r.ScanColumns(ctx, table, cols, func(p Partition, rec arrow.RecordBatch) error {
		return schemas.DecodeRows(table, rec, func(m schemas.Meta, row schemas.Row) error { return fn(p, m, row) })
	})
}

// projection returns the indices of the named top-level columns in a
// Parquet file, in file order; columns the file lacks are skipped. cols
// nil is every column (nil indices).
func projection(pf *file.Reader, cols []string) []int {
	if cols == nil {
		return nil
	}
	sc := pf.MetaData().Schema
	idx := make([]int, 0, len(cols))
	for _, c := range cols {
		if i := sc.ColumnIndexByName(c); i >= 0 && !slices.Contains(idx, i) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 && sc.NumColumns() > 0 {
		idx = append(idx, 0)
	}
	slices.Sort(idx)
	return idx
}

func (r *Reader) scanFile(ctx context.Context, f File, cols []string, fn func(Partition, arrow.RecordBatch) error) (err error) {
	inFn := false
	defer func() {
		if p := recover(); p != nil {
			if inFn {
				panic(p) // the caller's own
			}
			err = fmt.Errorf("archive: %s: parquet reader failed: %v", f.Path, p)
		}
	}()
	of, err := r.tree.Open(f.Path)
	if err != nil {
		return err
	}
	defer of.Close()
	pf, err := OpenParquet(of)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", f.Path, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", f.Path, err)
	}
	rr, err := fr.GetRecordReader(ctx, projection(pf, cols), nil)
	if err != nil {
		return fmt.Errorf("archive: %s: %w", f.Path, err)
	}
	defer rr.Release()
	for rr.Next() {
		inFn = true
		if err := fn(*f.Partition, rr.RecordBatch()); err != nil {
			return err
		}
		inFn = false
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fmt.Errorf("archive: %s: %w", f.Path, err)
	}
	return nil
}

// OpenParquet opens a Parquet file of a tree.
func OpenParquet(f *OpenFile) (*file.Reader, error) {
	return file.NewParquetReader(f)
}

// NewDecoder makes a zstd decoder for blobs: one goroutine, memory bounded.
// It does not check the frames' XXH64 checksums: every reader of a blob
// checks the SHA-256 of its content instead, which the checksum would only
// repeat at about a twentieth of the cost of verifying a blob.
func NewDecoder() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.IgnoreChecksum(true),
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(64<<20),
		zstd.WithDecoderMaxMemory(1<<40))
}

// OpenBlob returns a blob's raw content, decompressing it when it is
// stored compressed. The reader fails at EOF if the content does not match
// its address or its recorded size, and never yields more than the
// recorded size.
func (r *Reader) OpenBlob(raw string) (io.ReadCloser, error) {
	i, ok := r.blobs[raw]
	if !ok {
		return nil, fmt.Errorf("archive: no blob %s", raw)
	}
	bf := &r.m.Files[i]
	of, err := r.tree.Open(bf.Path)
	if err != nil {
		return nil, err
	}
	return newBlobReader(of, of, bf.Compressed(), *bf)
}

// newBlobReader reads a blob's stored bytes from src (of's content),
// decompressing them when compressed, as its raw content checked against
// want. Closing it closes of; on error of is closed already.
func newBlobReader(of *OpenFile, src io.Reader, compressed bool, want File) (io.ReadCloser, error) {
	if !compressed {
		return &blobReader{of: of, h: hashing.NewReader(io.LimitReader(src, want.RawSize+1)), want: want}, nil
	}
	dec, err := NewDecoder()
	if err != nil {
		of.Close()
		return nil, err
	}
	if err := dec.Reset(src); err != nil {
		of.Close()
		dec.Close()
		return nil, err
	}
	return &blobReader{of: of, dec: dec, h: hashing.NewReader(io.LimitReader(dec, want.RawSize+1)), want: want}, nil
}

type blobReader struct {
	of   *OpenFile
	dec  *zstd.Decoder // nil for a blob stored as is
	h    *hashing.Reader
	want File
}

func (b *blobReader) Read(p []byte) (int, error) {
	n, err := b.h.Read(p)
	if b.h.Size() > b.want.RawSize {
		return n, fmt.Errorf("archive: blob %s: longer than its recorded %d bytes", b.want.RawSHA256, b.want.RawSize)
	}
	if err == io.EOF {
		if b.h.Size() != b.want.RawSize || b.h.Sum() != b.want.RawSHA256 {
			return n, fmt.Errorf("archive: blob %s: content does not match its address", b.want.RawSHA256)
		}
	}
	return n, err
}

func (b *blobReader) Close() error {
	if b.dec != nil {
		b.dec.Close()
	}
	return b.of.Close()
}
