// Package ingest seals evidence a responder already holds on disk into the
// bundle format of a collection: CloudTrail log files (one by one or whole
// trail bucket layouts), CloudTrail digest files, the JSON `aws cloudtrail
// lookup-events` prints, and Bedrock model-invocation log files. Each
// file's kind is told from its content, never its name; each file is kept
// byte-exact as a blob; a file that is not understood is recorded as a gap
// with its digest.
package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/digest"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// Source is the evidence source name of ingested files.
const Source = "ingest"

// KindFile is the kind of a file that is not a CloudTrail log or digest
// file: its objects row.
const KindFile = "custody.ingest.file"

// Unknown is the account and region of evidence whose own content does not
// say which it belongs to.
const Unknown = "unknown"

// Options tune an ingestion.
type Options struct {
	// Keys validate digest files; without them digests are kept but not
	// validated, and no file is reported valid or invalid.
	Keys     digest.Keys
	Parallel int // files read at once; 0 = GOMAXPROCS
	Now      func() time.Time
}

// Stats counts what an ingestion found.
type Stats struct {
	mu      sync.Mutex
	Files   map[Kind]int
	Rows    int64
	Gaps    int64
	Targets map[schemas.Target]bool
}

func (s *Stats) file(k Kind) {
	s.mu.Lock()
	s.Files[k]++
	s.mu.Unlock()
}

// file is one file to ingest: its path, the root it was found under, and
// its path relative to the root, slash-separated.
type file struct {
	path, root, rel string
	kind            Kind
}

// Run ingests every file under paths into sink.
func Run(ctx context.Context, paths []string, sink collect.Sink, o Options) (*Stats, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Parallel <= 0 {
		o.Parallel = runtime.GOMAXPROCS(0)
	}
	st := &Stats{Files: map[Kind]int{}, Targets: map[schemas.Target]bool{}}
	r := &run{o: o, sink: &countingSink{Sink: sink, st: st}, st: st}
	files, err := walk(paths)
	if err != nil {
		return nil, err
	}
	// Tell every file's kind first: digests and their signatures are read
	// before the log files they vouch for.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.Parallel)
	for i := range files {
		g.Go(func() error {
			f, err := os.Open(files[i].path)
			if err != nil {
				return fmt.Errorf("ingest: %w", err)
			}
			defer f.Close()
			files[i].kind, err = Detect(f)
			if err != nil {
				return err
			}
			return gctx.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	set, err := r.digests(ctx, files)
	if err != nil {
		return nil, err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(o.Parallel)
	for _, f := range files {
		switch f.kind {
		case KindDigest, KindDigestSig, KindHeadObject, KindPublicKeys:
			continue // read with the digests
		}
		g.Go(func() error { return r.file(gctx, f, set) })
	}
	return st, g.Wait()
}

// walk lists the regular files under paths, in a stable order.
func walk(paths []string) ([]file, error) {
	var out []file
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		if !info.IsDir() {
			out = append(out, file{path: p, root: filepath.Dir(p), rel: filepath.Base(p)})
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() {
				rel, _ := filepath.Rel(p, path)
				out = append(out, file{path: path, root: p, rel: filepath.ToSlash(rel)})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

type run struct {
	o    Options
	sink collect.Sink
	st   *Stats
}

// layoutTarget reads the account and region of a trail bucket layout:
// …/AWSLogs/[<org id>/]<account>/CloudTrail[-Digest]/<region>/….
func layoutTarget(rel string) (collect.Target, bool) {
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		if (p == "CloudTrail" || p == "CloudTrail-Digest" || p == "CloudTrail-Insight" || p == "BedrockModelInvocationLogs") && i >= 1 && i+1 < len(parts) {
			return collect.Target{Account: parts[i-1], Region: parts[i+1]}, true
		}
	}
	return collect.Target{}, false
}

func (r *run) unit(f file, t collect.Target) collect.Unit {
	if t.Account == "" {
		t.Account = Unknown
	}
	if t.Region == "" {
		t.Region = Unknown
	}
	return collect.Unit{Source: Source, ID: f.rel, Target: t}
}

func (r *run) fileUnit(f file) collect.Unit {
	t, _ := layoutTarget(f.rel)
	return r.unit(f, t)
}

func (r *run) prov(at time.Time) schemas.Provenance {
	return schemas.Provenance{Service: "custody", Operation: "ingest", Time: at}
}

func (r *run) objectRow(f file, info os.FileInfo, at time.Time) *schemas.Object {
	return &schemas.Object{Key: f.rel, IsLatest: true, Size: info.Size(), LastModified: info.ModTime().UTC(),
		LedBy: "file://" + filepath.ToSlash(f.root), Operation: "ingest", AcquiredAt: at}
}

// file ingests one file that is not a digest.
func (r *run) file(ctx context.Context, f file, set *digest.Set) error {
	r.st.file(f.kind)
	switch f.kind {
	case KindTrailLog:
		return r.trailLog(ctx, f, set)
	case KindLookup:
		return r.parsed(ctx, f, r.lookup)
	case KindInvocationLog:
		return r.parsed(ctx, f, r.invocations)
	}
	return r.unknown(ctx, f)
}

func (r *run) trailLog(ctx context.Context, f file, set *digest.Set) error {
	info, err := os.Stat(f.path)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	at := r.o.Now().UTC()
	u := r.fileUnit(f)
	res, err := trailfiles.ReadFile(ctx, r.sink, trailfiles.File{
		Unit: u, ObjectID: f.rel, Row: r.objectRow(f, info, at),
		Provenance: r.prov(at), Now: r.o.Now,
		Open:      func(context.Context) (io.ReadCloser, error) { return os.Open(f.path) },
		Partition: func(row *schemas.CloudTrailEvent) collect.Target { return recordTarget(row, u.Target) },
	})
	if err != nil {
		return err
	}
	if res.Problem != nil {
		if err := r.gap(ctx, u, problemCause(res.Problem), res.Problem.Error()+fmt.Sprintf(" (file sha256 %s, %d records kept, %d unparsed)", res.BlobSHA256, res.Records, res.Unparsed)); err != nil {
			return err
		}
	}
	if set == nil || !res.Stored {
		return nil
	}
	v := set.LogFileByName(f.rel, res.ContentSHA256)
	v.Key = f.rel
	return r.sink.Put(ctx, trailfiles.ValidationEvidence(u, v, "log", res, at))
}

func problemCause(err error) string {
	if errors.Is(err, trailfiles.ErrTruncated) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "truncated"
	}
	return schemas.CauseUnparsable
}

// recordTarget is the partition of a CloudTrail record: its recipient
// account and region, or the file's where the record does not say.
func recordTarget(row *schemas.CloudTrailEvent, def collect.Target) collect.Target {
	t := def
	if row.RecipientAccountID != "" {
		t.Account = row.RecipientAccountID
	}
	if row.AWSRegion != "" {
		t.Region = row.AWSRegion
	}
	return t
}

func (r *run) gap(ctx context.Context, u collect.Unit, cause, msg string) error {
	return r.sink.Gap(ctx, collect.Gap{Unit: u, Cause: cause, Message: "ingest: " + u.ID + ": " + msg, Time: r.o.Now().UTC()})
}

// store keeps a file as a blob with its objects row and returns its
// sha256.
func (r *run) store(ctx context.Context, f file, kind string, u collect.Unit) (string, error) {
	fh, err := os.Open(f.path)
	if err != nil {
		return "", fmt.Errorf("ingest: %w", err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return "", fmt.Errorf("ingest: %w", err)
	}
	at := r.o.Now().UTC()
	h := sha256.New()
	err = r.sink.Put(ctx, collect.Evidence{Kind: kind, Unit: u, ObjectID: f.rel, ObservedAt: at,
		Provenance: r.prov(at), Row: r.objectRow(f, info, at), Body: io.TeeReader(fh, h)})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// unknown keeps a file it does not understand, and says so as a gap.
func (r *run) unknown(ctx context.Context, f file) error {
	u := r.fileUnit(f)
	sum, err := r.store(ctx, f, KindFile, u)
	if err != nil {
		return err
	}
	return r.gap(ctx, u, schemas.CauseUnparsable, "not a CloudTrail log, digest, lookup-events output or invocation log (sha256 "+sum+"); kept as a blob")
}

// parsed stores a file, then reads it again to turn it into rows, checking
// the second read is of the same bytes.
func (r *run) parsed(ctx context.Context, f file, rows func(ctx context.Context, f file, in io.Reader, blob string) error) error {
	u := r.fileUnit(f)
	sum, err := r.store(ctx, f, KindFile, u)
	if err != nil {
		return err
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	defer fh.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(fh, h), 256<<10)
	var in io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return r.gap(ctx, u, schemas.CauseUnparsable, "gzip: "+err.Error())
		}
		in = zr
	}
	perr := rows(ctx, f, in, sum)
	var se sinkErr
	if errors.As(perr, &se) {
		return se.err
	}
	_, _ = io.Copy(io.Discard, br)
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return r.gap(ctx, u, "changed", fmt.Sprintf("the file changed while it was read: sha256 %s, then %s", sum, got))
	}
	if perr != nil {
		return r.gap(ctx, u, problemCause(perr), fmt.Sprintf("%v (file sha256 %s; the rows before the fault are kept)", perr, sum))
	}
	return nil
}

// sinkErr marks a failure of the sink inside a parse: it stops the run.
type sinkErr struct{ err error }

func (e sinkErr) Error() string { return e.err.Error() }

// countingSink counts rows, gaps and the partitions used.
type countingSink struct {
	collect.Sink
	st *Stats
}

func (s *countingSink) Put(ctx context.Context, e collect.Evidence) error {
	s.st.mu.Lock()
	if e.Row != nil {
		s.st.Rows++
	}
	t := e.Unit.Target
	t.RoleARN = ""
	s.st.Targets[t] = true
	s.st.mu.Unlock()
	return s.Sink.Put(ctx, e)
}

func (s *countingSink) Gap(ctx context.Context, g collect.Gap) error {
	s.st.mu.Lock()
	s.st.Gaps++
	s.st.mu.Unlock()
	return s.Sink.Gap(ctx, g)
}
