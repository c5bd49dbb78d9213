package trailfiles

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"github.com/custodyhq/custody/schemas"
)

// MaxRecordBytes bounds a record read back from its file: no CloudTrail
// record comes near it, and a row claiming more is not trusted.
const MaxRecordBytes = 256 << 20

// Record returns a row's record exactly as AWS delivered it: its raw
// column, or, when the row points into its log file (raw_offset and
// raw_size), those bytes of the file's content, read through open, which
// returns a blob's content by its SHA-256 (archive.Reader.OpenBlob).
func Record(row *schemas.CloudTrailEvent, open func(sha256 string) (io.ReadCloser, error)) ([]byte, error) {
	if row.RawOffset == nil && row.RawSize == nil {
		return []byte(row.Raw), nil
	}
	if row.RawOffset == nil || row.RawSize == nil || row.BlobSHA256 == nil {
		return nil, fmt.Errorf("trailfiles: event %s: raw_offset, raw_size and blob_sha256 go together", row.EventID)
	}
	off, size := *row.RawOffset, *row.RawSize
	if off < 0 || size <= 0 || size > MaxRecordBytes {
		return nil, fmt.Errorf("trailfiles: event %s: record at %d of %d bytes is out of range", row.EventID, off, size)
	}
	rc, err := open(*row.BlobSHA256)
	if err != nil {
		return nil, fmt.Errorf("trailfiles: event %s: %w", row.EventID, err)
	}
	defer rc.Close()
	content, err := Content(rc)
	if err != nil {
		return nil, fmt.Errorf("trailfiles: event %s: blob %s: %w", row.EventID, *row.BlobSHA256, err)
	}
	if _, err := io.CopyN(io.Discard, content, off); err != nil {
		return nil, fmt.Errorf("trailfiles: event %s: blob %s ends before offset %d: %w", row.EventID, *row.BlobSHA256, off, err)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(content, b); err != nil {
		return nil, fmt.Errorf("trailfiles: event %s: blob %s ends inside the record at %d: %w", row.EventID, *row.BlobSHA256, off, err)
	}
	return b, nil
}

// Content is a log file's content: r itself, or r decompressed when it is
// gzip, as trails deliver it. Offsets of records are offsets in it.
func Content(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, nil
	}
	return br, nil
}
