package trailfiles

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/trail"
	"github.com/custodyhq/custody/schemas"
)

// Evidence kinds of this package. Kinds are persisted: never rename one.
const (
	KindLogFile    = "aws.cloudtrail.log-file"        // a log file, byte-exact, as an objects row
	KindDigestFile = "aws.cloudtrail.digest-file"     // a digest file, byte-exact, as an objects row
	KindValidation = "aws.cloudtrail.file-validation" // a file checked against the digests, as a resources row
	KindTrail      = "aws.cloudtrail.trail"           // a trail's configuration, status and event selectors
)

// Via is the cloudtrail_events via of rows read from log files.
const Via = "trail-file"

// DefaultMaxBuffered bounds the record bytes of one file held while its
// blob is stored. Rows need the blob's digest, which is known only once
// the whole file has streamed; a file whose records exceed this is read a
// second time and its rows streamed, the second read checked against the
// first.
const DefaultMaxBuffered = 64 << 20

// File is one log file to read.
type File struct {
	Unit       collect.Unit // its Target is the partition of the file's own row
	ObjectID   string       // s3://bucket/key?versionId=, or the path on disk
	Row        *schemas.Object
	Provenance schemas.Provenance
	Claimed    string
	// Open returns the file's bytes as delivered. It is called once, or
	// twice for a file too large to hold its rows.
	Open func(ctx context.Context) (io.ReadCloser, error)
	// Partition names the table partition of a record's row; nil keeps the
	// file's.
	Partition func(row *schemas.CloudTrailEvent) collect.Target
	Now       func() time.Time
	// MaxBuffered overrides DefaultMaxBuffered.
	MaxBuffered int64
}

// Read is what reading a file found.
type Read struct {
	BlobSHA256    string // of the file as delivered
	Size          int64
	ContentSHA256 string // of the uncompressed content, which digests list
	Records       int64  // rows written
	Unparsed      int64  // rows with parsed = false
	Stored        bool   // the file was preserved as a blob
	Problem       error  // why the file is not whole or not a log file; recorded as a gap
}

// ReadFile preserves a log file as a blob and writes a cloudtrail_events
// row for each of its records, pointing to the blob. A file that cannot be
// read whole, or is not a log file, is recorded as a gap with its digest,
// and the records read before the fault are kept: the record at a cut is
// kept raw with parsed = false. Only sink failures and cancellation are
// returned.
func ReadFile(ctx context.Context, sink collect.Sink, f File) (*Read, error) {
	if f.Now == nil {
		f.Now = time.Now
	}
	rc, err := f.Open(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.MaxBuffered
	if limit <= 0 {
		limit = DefaultMaxBuffered
	}
	res := &Read{}
	src := &hashingReader{r: rc, h: sha256.New()}
	pr, pw := io.Pipe()
	type parsed struct {
		rows     []*schemas.CloudTrailEvent
		overflow bool
		content  string
		err      error
	}
	done := make(chan parsed, 1)
	go func() {
		var p parsed
		var held int64
		p.content, p.err = parse(pr, f, func(row *schemas.CloudTrailEvent) error {
			if p.overflow {
				return nil
			}
			held += 2 * rawSize(row)
			if held > limit {
				p.overflow, p.rows = true, nil
				return nil
			}
			p.rows = append(p.rows, row)
			return nil
		})
		_, _ = io.Copy(io.Discard, pr) // the blob is stored whole whatever the parse found
		done <- p
	}()
	perr := sink.Put(ctx, collect.Evidence{
		Kind: KindLogFile, Unit: f.Unit, ObjectID: f.ObjectID, ObservedAt: f.Now().UTC(),
		Provenance: f.Provenance, Claimed: f.Claimed, Row: f.Row,
		Body: io.TeeReader(src, pw),
	})
	rc.Close()
	if perr != nil {
		pw.CloseWithError(perr)
	} else {
		pw.Close()
	}
	p := <-done
	if perr != nil {
		if src.err == nil || ctx.Err() != nil {
			return nil, perr
		}
		// The file broke off while it streamed: nothing was stored.
		row := *f.Row
		row.SHA256, row.BlobSHA256 = nil, nil
		why := "unreachable: " + src.err.Error()
		row.Skipped = &why
		if err := sink.Put(ctx, collect.Evidence{Kind: KindLogFile, Unit: f.Unit, ObjectID: f.ObjectID, ObservedAt: f.Now().UTC(),
			Provenance: f.Provenance, Claimed: f.Claimed, Row: &row}); err != nil {
			return nil, err
		}
		res.Problem = fmt.Errorf("trailfiles: read %s: %w", f.ObjectID, src.err)
		return res, nil
	}
	res.Stored, res.Size = true, src.n
	res.BlobSHA256 = hex.EncodeToString(src.h.Sum(nil))
	res.ContentSHA256 = p.content
	put := func(row *schemas.CloudTrailEvent) error {
		row.BlobSHA256 = &res.BlobSHA256
		res.Records++
		if !row.Parsed {
			res.Unparsed++
		}
		return putRow(ctx, sink, f, row)
	}
	if !p.overflow {
		for _, row := range p.rows {
			if err := put(row); err != nil {
				return nil, err
			}
		}
		res.Problem = p.err
		return res, nil
	}
	// Too many records to hold: read the file again and stream its rows.
	rc, err = f.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	again := &hashingReader{r: rc, h: sha256.New()}
	_, perr = parse(again, f, put)
	if errors.Is(perr, errSink) {
		return nil, errors.Unwrap(perr)
	}
	_, _ = io.Copy(io.Discard, again)
	if got := hex.EncodeToString(again.h.Sum(nil)); got != res.BlobSHA256 {
		res.Problem = fmt.Errorf("trailfiles: %s changed between reads: sha256 %s, then %s; rows come from the second read", f.ObjectID, res.BlobSHA256, got)
		return res, nil
	}
	res.Problem = perr
	return res, nil
}

var errSink = errors.New("sink")

type sinkErr struct{ err error }

func (e sinkErr) Error() string        { return e.err.Error() }
func (e sinkErr) Unwrap() error        { return e.err }
func (e sinkErr) Is(target error) bool { return target == errSink }

// parse decompresses (when gzip) and splits a file into rows, hashing the
// uncompressed content. The error is a problem of the file; a failure of
// emit comes back as a sinkErr.
func parse(r io.Reader, f File, emit func(*schemas.CloudTrailEvent) error) (content string, err error) {
	in, err := Content(r)
	if err != nil {
		return "", fmt.Errorf("trailfiles: %s: %w", f.ObjectID, err)
	}
	h := sha256.New()
	var index int64
	at := f.Now().UTC()
	err = Records(io.TeeReader(in, h), func(raw []byte, off int64, whole bool) error {
		id := f.ObjectID + "#" + strconv.FormatInt(index, 10)
		var row *schemas.CloudTrailEvent
		if whole && isObject(raw) {
			row = trail.ParseRecordFields(raw, id, f.Row.LastModified)
		} else {
			row = trail.ParseRecord(raw, id, f.Row.LastModified) // copies raw
			row.Parsed = false
		}
		if row.Parsed {
			// The file's blob holds the record byte-exact: the row points
			// to it rather than holding a second copy.
			size := int64(len(raw))
			row.RawOffset, row.RawSize = &off, &size
		} else {
			row.Raw = ValidRaw(row.Raw)
		}
		row.Via = Via
		row.RecordIndex = index
		row.AcquiredAt = at
		row.AcqRequest = f.Provenance.RequestID
		index++
		if err := emit(row); err != nil {
			return sinkErr{err}
		}
		return nil
	})
	var se sinkErr
	if errors.As(err, &se) {
		return "", se
	}
	if err != nil {
		err = fmt.Errorf("trailfiles: %s: %w", f.ObjectID, err)
	}
	return hex.EncodeToString(h.Sum(nil)), err
}

// rawSize is the length of a row's record, wherever it is kept.
func rawSize(row *schemas.CloudTrailEvent) int64 {
	if row.RawSize != nil {
		return *row.RawSize
	}
	return int64(len(row.Raw))
}

func isObject(raw []byte) bool {
	b := bytes.TrimLeft(raw, " \t\r\n")
	return len(b) > 0 && b[0] == '{'
}

func putRow(ctx context.Context, sink collect.Sink, f File, row *schemas.CloudTrailEvent) error {
	u := f.Unit
	if f.Partition != nil {
		t := f.Partition(row)
		t.RoleARN = u.Target.RoleARN
		u.Target = t
	}
	return sink.Put(ctx, collect.Evidence{
		Kind: schemas.KindCloudTrailEvent, Unit: u, ObjectID: row.EventID, ObservedAt: row.AcquiredAt,
		Provenance: f.Provenance, Row: row,
	})
}

// hashingReader hashes and counts what is read through it, and remembers
// the read error, so a broken file is told from a failing sink.
type hashingReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if err != nil && err != io.EOF {
		h.err = err
	}
	return n, err
}

// ValidRaw is a record as Parquet's string columns can hold it. A record is
// kept byte-exact, except that bytes which are not UTF-8 (CloudTrail
// writes what clients send, such as a user agent) become U+FFFD: readers
// such as DuckDB refuse a whole file over one invalid string. The exact
// bytes stay in the file's blob, found by blob_sha256 and record_index.
func ValidRaw(raw string) string {
	if utf8.ValidString(raw) {
		return raw
	}
	return strings.ToValidUTF8(raw, "\uFFFD")
}
