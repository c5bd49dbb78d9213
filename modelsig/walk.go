package modelsig

import (
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
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"
)

// Problem kinds.
const (
	KindSignature   = "signature"   // the bundle is not signed by the key, or not a bundle
	KindManifest    = "manifest"    // the signed statement is malformed or inconsistent
	KindUnsupported = "unsupported" // a serialization, hash or predicate this verifier cannot check
	KindMissing     = "missing"     // signed, not on disk
	KindExtra       = "extra"       // on disk, not signed
	KindChanged     = "changed"     // on disk with other content than signed
	KindSymlink     = "symlink"     // a symbolic link the signature does not allow
	KindSpecial     = "special"     // neither a regular file nor a directory
	KindUnreadable  = "unreadable"  // could not be read
	KindPath        = "path"        // a name that is not a safe path inside the model
)

// Problem is one reason a model does not match its signature.
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

// entry is a regular file of the model, or a symbolic link to one that the
// serialization allows.
type entry struct {
	rel  string // POSIX, relative to the model directory
	abs  string
	size int64
	link bool
}

// ignored reports whether rel is one of ignore or lies under one of them.
func ignored(rel string, ignore []string) bool {
	for _, ig := range ignore {
		if rel == ig || strings.HasPrefix(rel, ig+"/") {
			return true
		}
	}
	return false
}

// scan lists the files of the model directory root. Symbolic links are
// never followed into directories; a link to a regular file is taken only
// when allowSymlinks, and otherwise reported. Paths under ignore are skipped
// before anything else is looked at. The error is for a root that cannot be
// read at all.
func scan(root string, allowSymlinks bool, ignore []string) ([]entry, []Problem, error) {
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		if !allowSymlinks {
			return nil, []Problem{{KindSymlink, ".", "the model directory is a symbolic link and the serialization does not allow symlinks"}}, nil
		}
		if fi, err = os.Stat(root); err != nil {
			return nil, nil, err
		}
	}
	if !fi.IsDir() {
		return nil, nil, fmt.Errorf("%s is not a directory", root)
	}
	var files []entry
	var probs []Problem
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if path == root {
			return err
		}
		r, rerr := filepath.Rel(root, path)
		if rerr != nil {
			return rerr
		}
		rel := filepath.ToSlash(r)
		if ignored(rel, ignore) {
			if d != nil && d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if err != nil {
			probs = append(probs, Problem{KindUnreadable, rel, err.Error()})
			return nil
		}
		if !utf8.ValidString(rel) {
			probs = append(probs, Problem{KindPath, fmt.Sprintf("%q", rel), "name is not UTF-8"})
			return nil
		}
		switch t := d.Type(); {
		case t.IsDir():
			return nil
		case t&fs.ModeSymlink != 0:
			if !allowSymlinks {
				probs = append(probs, Problem{KindSymlink, rel, "symbolic link, and the serialization does not allow symlinks"})
				return nil
			}
			ti, err := os.Stat(path)
			switch {
			case err != nil:
				probs = append(probs, Problem{KindUnreadable, rel, "symbolic link: " + err.Error()})
			case ti.IsDir():
				// Not followed: the format hashes files, and a link to a
				// directory could reach anywhere.
			case ti.Mode().IsRegular():
				files = append(files, entry{rel, path, ti.Size(), true})
			default:
				probs = append(probs, Problem{KindSpecial, rel, "symbolic link to " + kindOf(ti.Mode())})
			}
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				probs = append(probs, Problem{KindUnreadable, rel, err.Error()})
				return nil
			}
			files = append(files, entry{rel, path, info.Size(), false})
		default:
			probs = append(probs, Problem{KindSpecial, rel, kindOf(t) + ", not a regular file"})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return files, probs, nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "a special file"
}

// errNotRegular: what was opened is not the regular file that was listed.
var errNotRegular = errors.New("not a regular file")

var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// hashRange returns the sha256 of bytes [start, end) of e, or of the whole
// file when end < 0, and how many bytes it read. Memory is one buffer,
// whatever the file size. The file is opened without following a symbolic
// link unless e was reached through one the serialization allows.
func hashRange(e entry, start, end int64) ([]byte, int64, error) {
	f, err := openFile(e.abs, e.link)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, errNotRegular
	}
	var r io.Reader = f
	if end >= 0 {
		r = io.NewSectionReader(f, start, end-start)
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	h := sha256.New()
	n, err := io.CopyBuffer(h, r, *bp)
	if err != nil {
		return nil, n, err
	}
	return h.Sum(nil), n, nil
}

// job is one digest to compute.
type job struct {
	e          entry
	start, end int64 // end < 0: the whole file
	digest     string
	n          int64
	err        error
}

// hashAll computes the jobs' digests, workers at a time.
func hashAll(ctx context.Context, jobs []*job, workers int) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, j := range jobs {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			d, n, err := hashRange(j.e, j.start, j.end)
			j.digest, j.n, j.err = hex.EncodeToString(d), n, err
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}
