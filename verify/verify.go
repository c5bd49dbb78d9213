// Package verify checks a custody bundle, a directory or its .tar, the way
// schemas/BUNDLE.md specifies: format version, signature, every file, every
// blob, every table file, unlisted files, and the custody chain. Every
// integrity failure becomes a Problem in the Report; Verify returns an error
// only when it cannot run.
package verify

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/sigstore/sigstore/pkg/signature"
	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/schemas"
)

// Problem kinds. They are part of the report format: never rename one.
const (
	KindUnknownVersion   = "unknown version"
	KindBadManifest      = "bad manifest"
	KindBadArchive       = "bad archive"
	KindNoKey            = "no key"
	KindBadSignature     = "bad signature"
	KindSubjectMismatch  = "subject mismatch"
	KindSumsMismatch     = "sums mismatch"
	KindSHA256Mismatch   = "sha256 mismatch"
	KindSizeMismatch     = "size mismatch"
	KindMissingFile      = "missing file"
	KindUnlistedFile     = "unlisted file"
	KindUnsafeEntry      = "unsafe entry"
	KindBlobMismatch     = "blob mismatch"
	KindBadParquet       = "bad parquet"
	KindRowCountMismatch = "row count mismatch"
	KindSchemaMismatch   = "schema mismatch"
	KindCustodyChain     = "custody chain"
)

// Options configure Verify.
type Options struct {
	// Verifier checks manifest.sigstore.json and custody entry 0. Without
	// one the signature is reported as a Problem (KindNoKey) unless
	// SkipSignature is set.
	Verifier      signature.Verifier
	SkipSignature bool
	// ExpectHead is a custody receipt (a head returned by archive.Handoff):
	// the chain must contain it.
	ExpectHead string
	Workers    int          // 0 = GOMAXPROCS
	Logger     *slog.Logger // nil = discard
}

// Report is the outcome of Verify.
type Report struct {
	MediaType        string        `json:"media_type"`
	Bundle           string        `json:"bundle"`
	OK               bool          `json:"ok"`
	FormatVersion    int           `json:"format_version,omitempty"`
	Case             string        `json:"case,omitempty"`
	KeyHint          string        `json:"key_hint,omitempty"`
	SignatureChecked bool          `json:"signature_checked"`
	ManifestSHA256   string        `json:"manifest_sha256,omitempty"`
	Files            int64         `json:"files"`
	Bytes            int64         `json:"bytes"`
	Blobs            int64         `json:"blobs"`
	Rows             int64         `json:"rows"`
	Custody          []CustodyStep `json:"custody"`
	Head             string        `json:"custody_head,omitempty"`
	Problems         []Problem     `json:"problems"`
}

// CustodyStep is one custody entry as the report shows it.
type CustodyStep struct {
	Seq     int64  `json:"seq"`
	Time    string `json:"time"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	To      string `json:"to,omitempty"`
	KeyHint string `json:"key_hint"`
	SHA256  string `json:"sha256"`
}

// Problem is one integrity failure.
type Problem struct {
	Kind   string `json:"kind"`
	Path   string `json:"path,omitempty"`
	Detail string `json:"detail,omitempty"`
}

func (p Problem) String() string {
	s := p.Kind
	if p.Path != "" {
		s += ": " + p.Path
	}
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	return s
}

// Has reports whether the report holds a problem of the given kind.
func (r *Report) Has(kind string) bool {
	return slices.ContainsFunc(r.Problems, func(p Problem) bool { return p.Kind == kind })
}

// expected is a file the bundle must hold, with what is known about it.
type expected struct {
	archive.File
	sizeKnown bool
}

type checker struct {
	o    Options
	log  *slog.Logger
	r    *Report
	tree *archive.Tree

	mu       sync.Mutex
	problems []Problem
	refs     map[string]string // blobs rows hold their records in, and the first file that says so
}

func (c *checker) add(kind, path, format string, args ...any) {
	c.mu.Lock()
	c.problems = append(c.problems, Problem{Kind: kind, Path: path, Detail: fmt.Sprintf(format, args...)})
	c.mu.Unlock()
}

// flush moves collected problems into the report, sorted, so the report
// keeps the order of the checks and is stable within each.
func (c *checker) flush() {
	slices.SortFunc(c.problems, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Detail, b.Detail))
	})
	c.r.Problems = append(c.r.Problems, c.problems...)
	c.problems = nil
}

// Verify checks the bundle at path (a directory or .tar).
func Verify(ctx context.Context, path string, o Options) (*Report, error) {
	c := &checker{o: o, log: o.Logger, r: &Report{MediaType: schemas.MediaTypeVerifyReport, Bundle: path, Problems: []Problem{}, Custody: []CustodyStep{}}}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.o.Workers <= 0 {
		c.o.Workers = runtime.GOMAXPROCS(0)
	}
	tree, err := archive.OpenTree(path)
	if errors.Is(err, archive.ErrBadTree) {
		c.add(KindBadArchive, "", "%v", err)
		return c.finish(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer tree.Close()
	c.tree = tree
	if err := c.run(ctx); err != nil {
		return nil, err
	}
	return c.finish(), nil
}

func (c *checker) finish() *Report {
	c.flush()
	c.r.OK = len(c.r.Problems) == 0
	return c.r
}

// readRoot reads a root file, reporting it missing; nil if it cannot be read.
func (c *checker) readRoot(name string, limit int64) []byte {
	if _, ok := c.tree.Stat(name); !ok {
		c.add(KindMissingFile, name, "")
		return nil
	}
	b, err := c.tree.ReadAll(name, limit)
	if err != nil {
		c.add(KindBadManifest, name, "%v", err)
		return nil
	}
	return b
}

// gcPercent is the garbage collector's target while a bundle is verified.
// The manifest, signature and SHA256SUMS each list every file, and parsing
// them (the manifest twice: decoded, then encoded again to check its form)
// makes garbage of several times their size at once; what stays live while
// the files are checked (the manifest, the list of expected files) is of
// the same order, while the file checks themselves allocate little. At the
// default target, verifying a bundle of 100,000 blobs peaked at 470-524
// MiB; at this one, 342-384 MiB, a tenth slower.
const gcPercent = 20

func (c *checker) run(ctx context.Context) error {
	defer debug.SetGCPercent(debug.SetGCPercent(gcPercent))

	// 1. Format version and form of the manifest.
	mb := c.readRoot(archive.ManifestName, archive.MaxManifestSize)
	var m *archive.Manifest
	msha := ""
	if mb != nil {
		msha = hashing.Bytes(mb)
		c.r.ManifestSHA256 = msha
		var err error
		m, err = archive.ParseManifest(mb)
		switch {
		case errors.Is(err, archive.ErrUnsupportedVersion):
			c.add(KindUnknownVersion, archive.ManifestName, "%v", err)
			return nil // refuse: nothing else can be read with confidence
		case err != nil:
			c.add(KindBadManifest, archive.ManifestName, "%v", err)
			m = nil
		default:
			c.r.FormatVersion, c.r.Case, c.r.KeyHint = m.FormatVersion, m.Case, m.Key.Hint
		}
	}
	c.flush()

	// 2. Signature, and the statement's subjects against the manifest.
	st := c.checkSignature(mb, msha, m)
	c.flush()

	// 3. SHA256SUMS against the signed subjects and the manifest.
	sums := c.checkSums(st, m)
	c.flush()

	// What the bundle must hold: the manifest's list, or, when the manifest
	// is not usable, the signed subjects, or SHA256SUMS.
	want := c.expectedFiles(m, st, sums)

	// 4. Every listed file, blob and table file.
	if err := c.checkFiles(ctx, want); err != nil {
		return err
	}
	if m != nil {
		c.checkCounts(m)
		c.checkRefs(m)
	}
	c.flush()

	// 5. Files nobody listed.
	c.checkUnlisted(want)
	c.flush()

	// 6. The custody chain.
	if msha != "" {
		c.checkCustody(msha)
	}
	c.flush()
	return nil
}

func (c *checker) checkSignature(mb []byte, msha string, m *archive.Manifest) *archive.Statement {
	sb := c.readRoot(archive.SignatureName, archive.MaxSignatureSize)
	if sb == nil {
		return nil
	}
	var st *archive.Statement
	var err error
	switch {
	case c.o.Verifier != nil:
		st, err = archive.VerifySignature(sb, c.o.Verifier)
		if err != nil {
			c.add(KindBadSignature, archive.SignatureName, "%v", err)
			return nil
		}
		c.r.SignatureChecked = true
	default:
		if !c.o.SkipSignature {
			c.add(KindNoKey, archive.SignatureName, "no verification key was given; the signature was not checked")
		}
		st, err = archive.UnverifiedStatement(sb)
		if err != nil {
			c.add(KindBadSignature, archive.SignatureName, "%v", err)
			return nil
		}
	}
	if mb == nil {
		return st
	}
	if st.Predicate.ManifestSHA256 != msha {
		c.add(KindSHA256Mismatch, archive.ManifestName, "got %s, signed %s", msha, st.Predicate.ManifestSHA256)
	}
	if m == nil {
		return st
	}
	if m.Key.Hint != "" && c.o.Verifier != nil {
		if pub, err := c.o.Verifier.PublicKey(); err == nil {
			if h, err := archive.KeyHint(pub); err == nil && h != m.Key.Hint {
				c.add(KindBadSignature, archive.ManifestName, "manifest names key %s, verified with %s", m.Key.Hint, h)
			}
		}
	}
	if p := st.Predicate; p.FormatVersion != m.FormatVersion || p.MediaType != m.MediaType || p.Case != m.Case || !p.Sealed.Equal(m.Sealed) {
		c.add(KindSubjectMismatch, archive.ManifestName, "predicate (version %d, %s, case %q, sealed %s) does not describe the manifest", p.FormatVersion, p.MediaType, p.Case, p.Sealed)
	}
	subj := make(map[string]string, len(st.Subject))
	for _, s := range st.Subject {
		if _, dup := subj[s.Name]; dup {
			c.add(KindSubjectMismatch, s.Name, "subject listed twice")
		}
		subj[s.Name] = s.Digest["sha256"]
	}
	for _, f := range m.Files {
		d, ok := subj[f.Path]
		switch {
		case !ok:
			c.add(KindSubjectMismatch, f.Path, "in the manifest but not signed")
		case d != f.SHA256:
			c.add(KindSubjectMismatch, f.Path, "manifest says %s, signed %s", f.SHA256, d)
		}
		delete(subj, f.Path)
	}
	if d, ok := subj[archive.ManifestName]; !ok || d != msha {
		if ok && d != st.Predicate.ManifestSHA256 {
			c.add(KindSubjectMismatch, archive.ManifestName, "subject %s, predicate %s", d, st.Predicate.ManifestSHA256)
		} else if !ok {
			c.add(KindSubjectMismatch, archive.ManifestName, "not signed")
		}
	}
	delete(subj, archive.ManifestName)
	if _, ok := subj[archive.SumsName]; !ok {
		c.add(KindSubjectMismatch, archive.SumsName, "not signed")
	}
	delete(subj, archive.SumsName)
	for name := range subj {
		c.add(KindSubjectMismatch, name, "signed but not in the manifest")
	}
	return st
}

// sumLine is one line of SHA256SUMS.
type sumLine struct{ sha, path string }

// parseSums parses coreutils sha256sum output: "<64 hex>  <path>" (or with
// " *" for binary mode) per line.
func parseSums(b []byte) ([]sumLine, error) {
	var out []sumLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 4096), archive.MaxPathLen+128)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if len(line) < 67 || (line[64:66] != "  " && line[64:66] != " *") {
			return nil, fmt.Errorf("line %d: not sha256sum format", n)
		}
		sha, path := line[:64], line[66:]
		if strings.ToLower(sha) != sha || strings.Trim(sha, "0123456789abcdef") != "" {
			return nil, fmt.Errorf("line %d: bad digest", n)
		}
		if err := archive.CheckPath(path); err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		out = append(out, sumLine{sha, path})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (c *checker) checkSums(st *archive.Statement, m *archive.Manifest) []sumLine {
	b := c.readRoot(archive.SumsName, archive.MaxManifestSize)
	if b == nil {
		return nil
	}
	if st != nil {
		signed := ""
		for _, s := range st.Subject {
			if s.Name == archive.SumsName {
				signed = s.Digest["sha256"]
			}
		}
		if got := hashing.Bytes(b); signed != "" && got != signed {
			c.add(KindSHA256Mismatch, archive.SumsName, "got %s, signed %s", got, signed)
			return nil
		}
	}
	lines, err := parseSums(b)
	if err != nil {
		c.add(KindSumsMismatch, archive.SumsName, "%v", err)
		return nil
	}
	if m == nil {
		return lines
	}
	want := make(map[string]string, len(m.Files)+1)
	for _, f := range m.Files {
		want[f.Path] = f.SHA256
	}
	if c.r.ManifestSHA256 != "" {
		want[archive.ManifestName] = c.r.ManifestSHA256
	}
	for _, l := range lines {
		w, ok := want[l.path]
		switch {
		case !ok:
			c.add(KindSumsMismatch, l.path, "in SHA256SUMS but not in the manifest")
		case w != l.sha:
			c.add(KindSumsMismatch, l.path, "SHA256SUMS says %s, manifest %s", l.sha, w)
		}
		delete(want, l.path)
	}
	for p := range want {
		c.add(KindSumsMismatch, p, "not in SHA256SUMS")
	}
	return lines
}

func (c *checker) expectedFiles(m *archive.Manifest, st *archive.Statement, sums []sumLine) []expected {
	var want []expected
	switch {
	case m != nil:
		for _, f := range m.Files {
			want = append(want, expected{File: f, sizeKnown: true})
		}
	case st != nil:
		for _, s := range st.Subject {
			if s.Name != archive.ManifestName && s.Name != archive.SumsName && archive.CheckPath(s.Name) == nil {
				want = append(want, expected{File: archive.File{Path: s.Name, SHA256: s.Digest["sha256"]}})
			}
		}
	default:
		for _, l := range sums {
			if l.path != archive.ManifestName {
				want = append(want, expected{File: archive.File{Path: l.path, SHA256: l.sha}})
			}
		}
	}
	return want
}

// worker is what one file-checking worker reuses from file to file: a zstd
// decoder, made on first use, and read buffers.
type worker struct {
	dec       *zstd.Decoder
	buf, buf2 []byte
}

// readBuffer is the size of a worker's read buffers: large reads keep
// hashing, not system calls, the cost of a large file.
const readBuffer = 256 << 10

func (c *checker) checkFiles(ctx context.Context, want []expected) error {
	workers := make(chan *worker, c.o.Workers)
	for range c.o.Workers {
		workers <- &worker{buf: make([]byte, readBuffer)}
	}
	defer func() {
		close(workers)
		for wk := range workers {
			if wk.dec != nil {
				wk.dec.Close()
			}
		}
	}()
	var totals struct {
		sync.Mutex
		files, bytes, blobs, rows int64
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.o.Workers)
	for _, f := range want {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			wk := <-workers
			defer func() { workers <- wk }()
			ok, rows, err := c.checkFile(gctx, f, wk)
			if err != nil {
				return err
			}
			totals.Lock()
			defer totals.Unlock()
			if ok {
				totals.files++
				totals.bytes += f.Size
				if f.IsBlob() {
					totals.blobs++
				}
				totals.rows += rows
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	c.r.Files, c.r.Bytes, c.r.Blobs, c.r.Rows = totals.files, totals.bytes, totals.blobs, totals.rows
	return nil
}

// checkFile checks one file: presence, size, digest through a reader that
// never reads past the expected size, then its blob or table content. A
// blob stored as is has one digest, its stored digest and raw digest at
// once (the manifest's parser holds them equal), so one pass checks both;
// a compressed blob is decoded as well (checkBlob). The error is for a
// worker that cannot run, never for the bundle.
func (c *checker) checkFile(ctx context.Context, f expected, wk *worker) (ok bool, rows int64, err error) {
	e, exists := c.tree.Stat(f.Path)
	if !exists {
		c.add(KindMissingFile, f.Path, "")
		return false, 0, nil
	}
	if e.Type != archive.EntryFile {
		c.add(KindUnsafeEntry, f.Path, "not a regular file")
		return false, 0, nil
	}
	if f.sizeKnown && e.Size != f.Size {
		c.add(KindSizeMismatch, f.Path, "%d bytes, manifest says %d", e.Size, f.Size)
		return false, 0, nil
	}
	of, err := c.tree.Open(f.Path)
	if err != nil {
		c.add(KindMissingFile, f.Path, "%v", err)
		return false, 0, nil
	}
	defer of.Close()
	if f.IsBlob() && f.Compressed() {
		if wk.dec == nil {
			if wk.dec, err = archive.NewDecoder(); err != nil {
				return false, 0, err
			}
			wk.buf2 = make([]byte, readBuffer)
		}
		return c.checkBlob(f.File, of, e.Size, wk), 0, nil
	}
	h := hashing.NewReader(io.LimitReader(of, e.Size))
	if err := drain(h, wk.buf); err != nil {
		c.add(KindSHA256Mismatch, f.Path, "read: %v", err)
		return false, 0, nil
	}
	if got := h.Sum(); got != f.SHA256 {
		c.add(KindSHA256Mismatch, f.Path, "got %s, want %s", got, f.SHA256)
		return false, 0, nil
	}
	if f.IsBlob() && (h.Sum() != f.RawSHA256 || h.Size() != f.RawSize) {
		c.add(KindBlobMismatch, f.Path, "%d bytes with sha256 %s, want %d bytes with %s", h.Size(), h.Sum(), f.RawSize, f.RawSHA256)
		return false, 0, nil
	}
	if ctx.Err() != nil {
		return false, 0, nil
	}
	if f.Table != "" {
		ok, rows := c.checkTable(f.File, of)
		return ok, rows, nil
	}
	return true, 0, nil
}

// checkBlob reads a compressed blob file once: one goroutine reads it and
// hashes the stored bytes while this one decodes them and hashes the
// content, so a bundle of a few large blobs keeps two cores busy per blob
// and no file is read twice. The stored digest is judged first: a file
// whose digest does not hold is one sha256 mismatch and nothing more, as
// if it had not been decoded.
func (c *checker) checkBlob(f archive.File, of *archive.OpenFile, size int64, wk *worker) bool {
	stored := hashing.NewReader(io.LimitReader(of, size))
	pr, pw := io.Pipe()
	read := make(chan error, 1)
	go func() {
		_, err := io.CopyBuffer(pw, stored, wk.buf2)
		pw.CloseWithError(err)
		read <- err
	}()
	problem := decodeBlob(f, pr, wk.dec, wk.buf)
	// Whatever the decoder left unread still counts for the stored digest.
	_ = drain(pr, wk.buf)
	err := <-read
	if err != nil {
		c.add(KindSHA256Mismatch, f.Path, "read: %v", err)
		return false
	}
	if got := stored.Sum(); got != f.SHA256 {
		c.add(KindSHA256Mismatch, f.Path, "got %s, want %s", got, f.SHA256)
		return false
	}
	if problem != "" {
		c.add(KindBlobMismatch, f.Path, "%s", problem)
		return false
	}
	return true
}

// decodeBlob decodes a blob with a bounded decoder and checks the raw size
// and digest; it returns what is wrong, or "". Output past the recorded
// size is refused, so a zstd bomb costs at most the recorded size.
func decodeBlob(f archive.File, r io.Reader, dec *zstd.Decoder, buf []byte) string {
	if err := dec.Reset(r); err != nil {
		return fmt.Sprintf("zstd: %v", err)
	}
	defer dec.Reset(nil)
	h := hashing.NewReader(io.LimitReader(dec, f.RawSize+1))
	if err := drain(h, buf); err != nil {
		return fmt.Sprintf("zstd: %v", err)
	}
	if h.Size() > f.RawSize {
		return fmt.Sprintf("decodes to more than the recorded %d bytes", f.RawSize)
	}
	if h.Size() != f.RawSize || h.Sum() != f.RawSHA256 {
		return fmt.Sprintf("decodes to %d bytes with sha256 %s, want %d bytes with %s", h.Size(), h.Sum(), f.RawSize, f.RawSHA256)
	}
	return ""
}

// drain reads r to its end through buf. (io.Copy to io.Discard would read
// in io.Discard's small chunks.)
func drain(r io.Reader, buf []byte) error {
	for {
		if _, err := r.Read(buf); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func (c *checker) checkTable(f archive.File, of *archive.OpenFile) (ok bool, rows int64) {
	// The Parquet reader trusts the footer; a crafted file (one whose digest
	// matches an unsigned or forged manifest) must not stop verification.
	defer func() {
		if p := recover(); p != nil {
			c.add(KindBadParquet, f.Path, "reader failed: %v", p)
			ok, rows = false, 0
		}
	}()
	if _, err := of.Seek(0, io.SeekStart); err != nil {
		c.add(KindBadParquet, f.Path, "%v", err)
		return false, 0
	}
	pf, err := archive.OpenParquet(of)
	if err != nil {
		c.add(KindBadParquet, f.Path, "%v", err)
		return false, 0
	}
	defer pf.Close()
	if n := pf.NumRows(); n != f.Rows {
		c.add(KindRowCountMismatch, f.Path, "%d rows, manifest says %d", n, f.Rows)
		return false, 0
	}
	version := c.r.FormatVersion
	if version == 0 { // no usable manifest: the columns this build writes
		version = schemas.FormatVersion
	}
	want, err := schemas.ColumnsIn(f.Table, version)
	if err != nil {
		c.add(KindSchemaMismatch, f.Path, "%v", err)
		return false, 0
	}
	sc := pf.MetaData().Schema
	if sc.NumColumns() != len(want) {
		c.add(KindSchemaMismatch, f.Path, "%d columns, table %s has %d", sc.NumColumns(), f.Table, len(want))
		return false, 0
	}
	for i, col := range want {
		if got := sc.Column(i).Name(); got != col.Name {
			c.add(KindSchemaMismatch, f.Path, "column %d is %q, want %q", i, got, col.Name)
			return false, 0
		}
	}
	c.noteRefs(f, pf)
	return true, f.Rows
}

// checkCounts checks the manifest's totals against its file list.
func (c *checker) checkCounts(m *archive.Manifest) {
	rows := make(map[string]int64)
	files := make(map[string]int)
	var blobs archive.BlobInfo
	for _, f := range m.Files {
		if f.Table != "" {
			rows[f.Table] += f.Rows
			files[f.Table]++
		}
		if f.IsBlob() {
			blobs.Count++
			blobs.RawBytes += f.RawSize
			blobs.StoredBytes += f.Size
		}
	}
	for _, t := range m.Tables {
		if rows[t.Name] != t.Rows || files[t.Name] != t.Files {
			c.add(KindRowCountMismatch, archive.ManifestName, "table %s: %d rows in %d files listed, totals say %d in %d", t.Name, rows[t.Name], files[t.Name], t.Rows, t.Files)
		}
		if t.Name == schemas.TableGaps && t.Rows != int64(len(m.Gaps)) {
			c.add(KindRowCountMismatch, archive.ManifestName, "%d gap rows, %d gaps listed", t.Rows, len(m.Gaps))
		}
	}
	if blobs != m.Blobs {
		c.add(KindRowCountMismatch, archive.ManifestName, "blob totals %+v, files say %+v", m.Blobs, blobs)
	}
}

func (c *checker) checkUnlisted(want []expected) {
	listed := make(map[string]bool, len(want)+4)
	for _, f := range want {
		listed[f.Path] = true
	}
	for _, n := range []string{archive.ManifestName, archive.SumsName, archive.SignatureName, archive.CustodyName} {
		listed[n] = true
	}
	for _, e := range c.tree.Entries() {
		switch e.Type {
		case archive.EntryOther:
			c.add(KindUnsafeEntry, e.Name, "link, device or invalid name; not followed")
		case archive.EntryFile:
			if !listed[e.Name] {
				c.add(KindUnlistedFile, e.Name, "")
			}
		}
	}
}

func (c *checker) checkCustody(msha string) {
	b := c.readRoot(archive.CustodyName, archive.MaxCustodySize)
	if b == nil {
		return
	}
	var sealKey signature.Verifier
	if c.o.Verifier != nil {
		sealKey = c.o.Verifier
	}
	links, head, err := archive.CheckCustody(b, msha, sealKey)
	if err != nil {
		c.add(KindCustodyChain, archive.CustodyName, "%v", err)
	}
	found := false
	for _, l := range links {
		if l.Err != nil {
			c.add(KindCustodyChain, archive.CustodyName, "%v", l.Err)
		}
		found = found || l.SHA256 == c.o.ExpectHead
		c.r.Custody = append(c.r.Custody, CustodyStep{
			Seq: l.Entry.Seq, Time: l.Entry.Time.UTC().Format("2006-01-02T15:04:05Z07:00"), Actor: l.Entry.Actor,
			Action: l.Entry.Action, To: l.Entry.To, KeyHint: l.Entry.KeyHint, SHA256: l.SHA256,
		})
	}
	c.r.Head = head
	if c.o.ExpectHead != "" && !found {
		c.add(KindCustodyChain, archive.CustodyName, "expected head %s is not in the chain (head is %s)", c.o.ExpectHead, head)
	}
}
