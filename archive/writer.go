// Package archive writes, reads and signs custody bundles: the on-disk
// format specified in schemas/BUNDLE.md.
package archive

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/archive/internal/durable"
	"github.com/custodyhq/custody/schemas"
)

// WriterOptions configure a bundle writer.
type WriterOptions struct {
	Signer      signature.Signer // required
	PublicKey   crypto.PublicKey // the signer's public key; nil = ask the signer
	Actor       string           // who seals, recorded in custody entry 0
	ToolVersion string
	Now         func() time.Time // nil = time.Now
	Logger      *slog.Logger     // nil = discard
	BlobWorkers int              // bound on concurrent zstd encoders; 0 = GOMAXPROCS
	RowsPerFile int64            // rows per Parquet file before a new part starts; 0 = 4Mi
}

// Limits of the table writers. Rows held across partitions are bounded by
// pendingBudget; a partition with an open file adds one buffered row group.
// sealGCPercent is the garbage collector's target while the bundle is
// sealed: the manifest, SHA256SUMS and the signed statement each list every
// file and are made one after another, so most of what sealing allocates is
// soon garbage, and at the default target a bundle of 100,000 blobs carried
// several of their copies at once.
const sealGCPercent = 20

const (
	partitionQueue   = 4        // rows waiting for a partition's goroutine
	maxOpenFiles     = 16       // Parquet files open at once, across partitions
	maxCommits       = 64       // finished part files being synced at once
	pendingBudget    = 16 << 20 // bytes of rows held, across partitions, before the busiest flush
	minBudgetFlush   = 64 << 10 // a partition over the budget flushes once its batch holds this much
	batchRows        = 8192     // rows a partition holds before it flushes
	batchBytes       = 2 << 20  // approximate bytes a partition holds before it flushes
	rowGroupRows     = 1 << 17  // rows per Parquet row group
	rowGroupBytes    = 16 << 20 // approximate raw bytes per row group
	defaultFileRows  = 4 << 20  // rows per Parquet file
	partialSuffix    = ".partial"
	tmpDirName       = ".tmp"
	defaultToolName  = "custody"
	sealedActionName = "sealed"
)

// ErrClosed is returned by Put and Gap after Close or Abort.
var ErrClosed = errors.New("archive: writer closed")

// Writer writes one bundle. Put and Gap are safe for concurrent use.
type Writer struct {
	dir, root string // final path; the .partial being written
	o         WriterOptions
	log       *slog.Logger
	now       func() time.Time
	started   time.Time
	hint      string
	pub       crypto.PublicKey
	encoders  chan *zstd.Encoder
	settles   chan settling // blobs written, to be synced and named (settle.go)
	files     chan struct{} // slots for open Parquet files (see idleClose)
	commits   chan struct{} // finished part files being synced and renamed
	waiting   atomic.Int32  // partitions waiting for a slot
	pending   atomic.Int64  // bytes of rows held by partitions, not yet written

	sendMu sync.RWMutex // held for reading for the whole of a Put or Gap; for writing to close the queues
	closed bool

	mu    sync.Mutex // guards what follows
	parts map[partKey]*partWriter
	blobs map[string]File // by raw sha256
	dirs  map[string]bool // directories created, synced before sealing
	gaps  []GapInfo
	run   schemas.Run
	err   error // first failure of a table writer

	wg      sync.WaitGroup // partition goroutines and the settler
	settled sync.WaitGroup // blobs handed to the settler and not yet named

	jmu     sync.Mutex // guards the journal (journal.go)
	jf      *os.File
	jfailed bool
}

type partKey struct{ table, account, region string }

// Create starts a bundle that will appear at dir when Close succeeds. Until
// then everything is written under dir+".partial". Create refuses if either
// exists.
func Create(dir string, o WriterOptions) (*Writer, error) {
	useSharedCodec()
	if o.Signer == nil {
		return nil, errors.New("archive: create: no signer")
	}
	dir = filepath.Clean(dir)
	for _, p := range []string{dir, dir + partialSuffix} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("archive: create %s: %w", p, os.ErrExist)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("archive: create: %w", err)
		}
	}
	pub := o.PublicKey
	sp, err := o.Signer.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("archive: create: signer public key: %w", err)
	}
	if pub == nil {
		pub = sp
	} else if err := cryptoutils.EqualKeys(pub, sp); err != nil {
		return nil, fmt.Errorf("archive: create: public key does not match the signer: %w", err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	w := &Writer{
		dir:   dir,
		root:  dir + partialSuffix,
		o:     o,
		log:   o.Logger,
		now:   o.Now,
		hint:  hint,
		pub:   pub,
		parts: make(map[partKey]*partWriter),
		blobs: make(map[string]File),
		dirs:  make(map[string]bool),
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.now == nil {
		w.now = time.Now
	}
	if w.o.RowsPerFile <= 0 {
		w.o.RowsPerFile = defaultFileRows
	}
	n := o.BlobWorkers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	w.encoders = make(chan *zstd.Encoder, n)
	for range n {
		w.encoders <- nil // made on first use
	}
	w.files = make(chan struct{}, maxOpenFiles)
	w.settles = make(chan settling, settleQueue)
	w.commits = make(chan struct{}, maxCommits)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("archive: create: %w", err)
	}
	if err := os.Mkdir(w.root, 0o755); err != nil {
		return nil, fmt.Errorf("archive: create: %w", err)
	}
	if err := os.Mkdir(filepath.Join(w.root, tmpDirName), 0o700); err != nil {
		return nil, fmt.Errorf("archive: create: %w", err)
	}
	w.wg.Add(1)
	go w.settler()
	w.started = w.now().UTC()
	w.log.Debug("bundle started", "dir", w.root)
	return w, nil
}

// SetRun records the run's description in the manifest. The last call wins.
func (w *Writer) SetRun(r schemas.Run) {
	w.mu.Lock()
	w.run = r
	w.mu.Unlock()
}

// Put stores one evidence record: its Body, if any, as a blob (read exactly
// once, hashed and compressed as it streams, in the caller's goroutine), and
// its Row, if any, in the row's table. A BlobRow learns its blob through
// SetBlob before it is queued. The caller must not touch e.Row afterwards.
// An error reading the Body is returned wrapped (IsBodyError) and does not
// harm the bundle; the caller may record a Gap. A Body without a Row is
// stored, but only rows say where a blob came from: give one where a table
// fits.
func (w *Writer) Put(ctx context.Context, e schemas.Evidence) error {
	if err := w.enter(); err != nil {
		return err
	}
	defer w.sendMu.RUnlock()
	if e.Row == nil && e.Body == nil {
		return fmt.Errorf("archive: put %s %q: neither row nor body", e.Kind, e.ObjectID)
	}
	var table string
	if e.Row != nil {
		table = e.Row.Table()
		if want := schemas.NewRow(table); want == nil || reflect.TypeOf(want) != reflect.TypeOf(e.Row) {
			return fmt.Errorf("archive: put %s %q: row %T does not belong to a known table (%q)", e.Kind, e.ObjectID, e.Row, table)
		}
	}
	m := schemas.MetaOf(e)
	if e.Body != nil {
		// The journal line is made here, before the row is queued, and
		// written once the blob is durable under its name.
		var journaled func(File)
		line := make(chan []byte, 1)
		if e.ObjectID != "" {
			journaled = func(File) { w.appendJournal(<-line) }
		}
		f, err := w.putBlob(ctx, e.Body, journaled)
		if err != nil {
			return fmt.Errorf("archive: put %s %q: %w", e.Kind, e.ObjectID, err)
		}
		m.BlobSHA256, m.BlobSize = &f.RawSHA256, &f.RawSize
		if br, ok := e.Row.(schemas.BlobRow); ok {
			br.SetBlob(f.RawSHA256, f.RawSize)
		}
		line <- journalLine(e, f)
	}
	if e.Row == nil {
		return nil
	}
	return w.send(ctx, table, e.Unit.Target, m, e.Row)
}

// Gap records evidence that could not be collected: a row in table gaps and
// an entry in the manifest.
func (w *Writer) Gap(ctx context.Context, g schemas.Gap) error {
	if err := w.enter(); err != nil {
		return err
	}
	defer w.sendMu.RUnlock()
	if g.Time.IsZero() {
		g.Time = w.now()
	}
	g.Time = g.Time.UTC()
	m, row := schemas.GapRowOf(g)
	if err := w.send(ctx, schemas.TableGaps, g.Unit.Target, m, row); err != nil {
		return err
	}
	w.mu.Lock()
	w.gaps = append(w.gaps, GapInfo{
		Source: g.Unit.Source, Unit: g.Unit.ID, Account: g.Unit.Target.Account, Region: g.Unit.Target.Region,
		Cause: g.Cause, Message: g.Message, Time: g.Time,
	})
	w.mu.Unlock()
	return nil
}

// enter holds the writer open (sendMu for reading) for a Put or Gap, or
// says why it cannot. On success the caller releases sendMu.
func (w *Writer) enter() error {
	w.sendMu.RLock()
	err := w.failed()
	if w.closed {
		err = ErrClosed
	}
	if err != nil {
		w.sendMu.RUnlock()
	}
	return err
}

func (w *Writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

func (w *Writer) setErr(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
}

// send queues a row for its partition's goroutine, starting it on first
// use. The caller holds sendMu for reading, so the queues stay open.
func (w *Writer) send(ctx context.Context, table string, t schemas.Target, m schemas.Meta, row schemas.Row) error {
	size, err := schemas.RowBytes(m, row)
	if err != nil {
		return err
	}
	k := partKey{table, t.Account, t.Region}
	w.mu.Lock()
	p := w.parts[k]
	if p == nil {
		var err error
		if p, err = w.startPartition(k); err != nil {
			w.mu.Unlock()
			return err
		}
		w.parts[k] = p
	}
	ch := p.queue()
	w.mu.Unlock()
	defer p.sent()
	select {
	case ch <- pendingRow{meta: m, row: row, size: size}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("archive: put: %w", ctx.Err())
	}
}

// Abort stops writing and removes the .partial directory. It is safe to
// call after a failed Close, and does nothing after a successful one.
func (w *Writer) Abort() error {
	w.closeQueues()
	w.closeJournal()
	if err := os.RemoveAll(w.root); err != nil {
		return fmt.Errorf("archive: abort: %w", err)
	}
	return nil
}

// closeQueues stops accepting rows, closes every partition's queue and
// waits for the table writers to finish. It reports whether this call did
// the closing.
func (w *Writer) closeQueues() bool {
	w.sendMu.Lock()
	first := !w.closed
	if first {
		w.closed = true
		w.mu.Lock()
		for _, p := range w.parts {
			if p.ch != nil {
				close(p.ch)
			}
		}
		w.mu.Unlock()
		close(w.settles)
	}
	w.sendMu.Unlock()
	w.wg.Wait()
	return first
}

// Close seals the bundle: it flushes every table, writes manifest.json,
// SHA256SUMS, manifest.sigstore.json and custody entry 0, fsyncs them and
// their directories, and renames the .partial to its final name last. On
// error the .partial stays for inspection; Abort removes it.
func (w *Writer) Close(ctx context.Context) (*Manifest, error) {
	if !w.closeQueues() {
		return nil, ErrClosed
	}
	if err := w.failed(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("archive: close: %w", err)
	}
	m, err := w.seal(ctx)
	if err != nil {
		return nil, err
	}
	w.log.Info("bundle sealed", "dir", w.dir, "files", len(m.Files), "blobs", m.Blobs.Count, "gaps", len(m.Gaps))
	return m, nil
}

func (w *Writer) seal(ctx context.Context) (*Manifest, error) {
	defer debug.SetGCPercent(debug.SetGCPercent(sealGCPercent))
	m := w.manifest()
	d, err := SealDocuments(m, w.o.Signer)
	if err != nil {
		return nil, err
	}
	v, err := VerifierFor(w.pub)
	if err != nil {
		return nil, err
	}
	if _, err := VerifySignature(d.Signature, v); err != nil {
		return nil, fmt.Errorf("archive: self-check of the signature failed: %w", err)
	}
	mf := File{Path: ManifestName, SHA256: hashing.Bytes(d.Manifest), Size: int64(len(d.Manifest))}
	if err := w.writeRoot(ManifestName, d.Manifest); err != nil {
		return nil, err
	}
	if err := w.writeRoot(SumsName, d.Sums); err != nil {
		return nil, err
	}
	sig := d.Signature
	if err := w.writeRoot(SignatureName, sig); err != nil {
		return nil, err
	}
	entry := CustodyEntry{
		Seq:            0,
		Time:           m.Sealed,
		Actor:          w.o.Actor,
		Action:         sealedActionName,
		ManifestSHA256: mf.SHA256,
		Note:           "acquired and sealed by " + m.Tool.Name + " " + m.Tool.Version,
	}
	line, err := signEntry(w.o.Signer, w.pub, w.hint, entry)
	if err != nil {
		return nil, err
	}
	if err := w.writeRoot(CustodyName, append(line, '\n')); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("archive: close: %w", err)
	}
	w.closeJournal()
	if err := os.RemoveAll(filepath.Join(w.root, tmpDirName)); err != nil {
		return nil, fmt.Errorf("archive: close: %w", err)
	}
	dirs := make([]string, 0, len(w.dirs)+1)
	for d := range w.dirs {
		dirs = append(dirs, d)
	}
	// Deepest first, so each directory's entry is durable in its parent.
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, d := range append(dirs, w.root) {
		if err := durable.SyncDir(d); err != nil {
			return nil, err
		}
	}
	if err := os.Rename(w.root, w.dir); err != nil {
		return nil, fmt.Errorf("archive: seal: %w", err)
	}
	if err := durable.SyncDir(filepath.Dir(w.dir)); err != nil {
		return nil, err
	}
	return m, nil
}

// writeRoot writes one of the root files of the bundle durably.
func (w *Writer) writeRoot(name string, data []byte) error {
	if err := durable.WriteFile(filepath.Join(w.root, name), data, 0o644); err != nil {
		return fmt.Errorf("archive: write %s: %w", name, err)
	}
	return nil
}

// Documents are the root files that seal a manifest.
type Documents struct {
	Manifest  []byte // manifest.json
	Sums      []byte // SHA256SUMS
	Signature []byte // manifest.sigstore.json
}

// SealDocuments encodes m and signs it: manifest.json, SHA256SUMS over it and
// the listed files, and the signed statement over all of them. It does not
// touch the disk.
func SealDocuments(m *Manifest, s signature.Signer) (*Documents, error) {
	mb, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	mf := File{Path: ManifestName, SHA256: hashing.Bytes(mb), Size: int64(len(mb))}
	byPath := func(a, b File) int { return strings.Compare(a.Path, b.Path) }
	// A bundle may hold hundreds of thousands of files: the lists are made
	// once at their size (covered has room for SHA256SUMS, appended after).
	covered := make([]File, 0, len(m.Files)+2)
	covered = append(append(covered, mf), m.Files...)
	slices.SortFunc(covered, byPath)
	sums := SumsFile(covered)
	subjects := append(covered, File{Path: SumsName, SHA256: hashing.Bytes(sums), Size: int64(len(sums))})
	slices.SortFunc(subjects, byPath)
	sig, err := SignStatement(s, NewStatement(m, mf, subjects))
	if err != nil {
		return nil, err
	}
	return &Documents{Manifest: mb, Sums: sums, Signature: sig}, nil
}

// SumsFile renders files in coreutils sha256sum format, in the given order.
func SumsFile(files []File) []byte {
	n := 0
	for _, f := range files {
		n += len(f.SHA256) + 2 + len(f.Path) + 1
	}
	b := bytes.NewBuffer(make([]byte, 0, n))
	for _, f := range files {
		b.WriteString(f.SHA256)
		b.WriteString("  ")
		b.WriteString(f.Path)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// NewStatement builds the in-toto statement over the covered files (which
// include manifest.json and SHA256SUMS).
func NewStatement(m *Manifest, manifest File, files []File) *Statement {
	st := &Statement{
		Type:          StatementType,
		PredicateType: PredicateType,
		Predicate: Predicate{
			FormatVersion:  m.FormatVersion,
			MediaType:      m.MediaType,
			Case:           m.Case,
			Sealed:         m.Sealed,
			ManifestSHA256: manifest.SHA256,
			ManifestSize:   manifest.Size,
		},
		Subject: make([]Subject, len(files)),
	}
	for i, f := range files {
		st.Subject[i] = Subject{Name: f.Path, Digest: map[string]string{"sha256": f.SHA256}}
	}
	return st
}

func (w *Writer) manifest() *Manifest {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.run
	m := &Manifest{
		FormatVersion: schemas.FormatVersion,
		MediaType:     schemas.MediaTypeManifest,
		Case:          r.Case,
		Title:         r.Title,
		Kind:          cmp.Or(r.Kind, "evidence"),
		Tool:          toolInfo(w.o.ToolVersion),
		Host:          hostInfo(),
		Actor:         w.o.Actor,
		Key:           KeyInfo{Hint: w.hint, Algorithm: KeyAlgorithm(w.pub)},
		Started:       cmp.Or(r.Started, w.started).UTC(),
		Sealed:        w.now().UTC(),
		Window:        Window{Since: r.Since.UTC(), Until: r.Until.UTC()},
		Command:       r.Command,
		ResumedFrom:   r.Resumed,
		Targets:       r.Targets,
		Sources:       r.Sources,
		Gaps:          slices.Clone(w.gaps),
		Files:         []File{},
	}
	if m.Gaps == nil {
		m.Gaps = []GapInfo{}
	}
	if m.Targets == nil {
		m.Targets = []schemas.TargetInfo{}
	}
	if m.Sources == nil {
		m.Sources = []schemas.SourceInfo{}
	}
	slices.SortStableFunc(m.Gaps, func(a, b GapInfo) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region),
			cmp.Compare(a.Source, b.Source), cmp.Compare(a.Unit, b.Unit), a.Time.Compare(b.Time))
	})
	tables := make(map[string]*TableInfo)
	for _, name := range schemas.TableNames() {
		tables[name] = &TableInfo{Name: name}
	}
	n := len(w.blobs)
	for _, p := range w.parts {
		n += len(p.files)
	}
	m.Files = make([]File, 0, n)
	for _, p := range w.parts {
		ti := tables[p.key.table]
		ti.Rows += p.rows
		ti.Files += len(p.files)
		m.Files = append(m.Files, p.files...)
	}
	for _, name := range schemas.TableNames() {
		m.Tables = append(m.Tables, *tables[name])
	}
	for _, f := range w.blobs {
		m.Blobs.Count++
		m.Blobs.RawBytes += f.RawSize
		m.Blobs.StoredBytes += f.Size
		m.Files = append(m.Files, f)
	}
	slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return m
}

func toolInfo(version string) Tool {
	t := Tool{Name: defaultToolName, Version: cmp.Or(version, "devel"), GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		t.Module = bi.Main.Path
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				t.Revision = s.Value
			case "vcs.modified":
				t.Modified = s.Value == "true"
			}
		}
	}
	return t
}

func hostInfo() Host {
	name, _ := os.Hostname()
	return Host{Name: name, OS: runtime.GOOS, Arch: runtime.GOARCH}
}

// mkdir creates a directory under the bundle root and remembers it for the
// final fsync. Callers hold w.mu.
func (w *Writer) mkdirLocked(rel string) error {
	full := filepath.Join(w.root, rel)
	if w.dirs[full] {
		return nil // every blob of a prefix lands in one directory
	}
	if err := os.MkdirAll(full, 0o755); err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	for d := rel; d != "." && d != "" && !w.dirs[filepath.Join(w.root, d)]; d = filepath.Dir(d) {
		w.dirs[filepath.Join(w.root, d)] = true
	}
	return nil
}

// bodyError marks an error that came from reading an Evidence Body.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}
