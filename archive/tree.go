package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Limits on what a bundle tree may hold before it is refused.
const (
	MaxEntries = 10_000_000 // files and directories in one bundle
)

// ErrBadTree is wrapped when a bundle's directory or tar cannot be indexed
// safely: links, devices, absolute or ".." names, duplicates, oversized
// headers.
var ErrBadTree = errors.New("unsafe bundle tree")

// EntryType classifies a tree entry.
type EntryType int

const (
	EntryFile EntryType = iota
	EntryDir
	EntryOther // symlink, hard link, device, fifo, socket: never followed or read
)

// Entry is one name in a bundle tree.
type Entry struct {
	Name string // slash-separated, relative to the bundle root
	Type EntryType
	Size int64
}

// Tree is a read-only view of a bundle directory or tar, indexed once on
// open. It never follows a symlink and never opens a name outside the root.
type Tree struct {
	path    string
	isTar   bool
	root    *os.Root // directory bundles
	tarFile *os.File // tar bundles
	entries []Entry
	index   map[string]int
	offsets map[string]int64 // tar: data offset of each file
}

// OpenTree indexes a bundle directory or .tar file.
func OpenTree(path string) (*Tree, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("archive: open %s: %w", path, err)
	}
	t := &Tree{path: path, index: make(map[string]int)}
	if st.IsDir() {
		if t.root, err = os.OpenRoot(path); err != nil {
			return nil, fmt.Errorf("archive: open %s: %w", path, err)
		}
		err = t.indexDir()
	} else {
		t.isTar = true
		if t.tarFile, err = os.Open(path); err != nil {
			return nil, fmt.Errorf("archive: open %s: %w", path, err)
		}
		err = t.indexTar(st.Size())
	}
	if err != nil {
		t.Close()
		return nil, err
	}
	slices.SortFunc(t.entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	for i, e := range t.entries {
		t.index[e.Name] = i
	}
	return t, nil
}

// Path is where the tree was opened from.
func (t *Tree) Path() string { return t.path }

// IsTar reports whether the tree is a tar file.
func (t *Tree) IsTar() bool { return t.isTar }

// Close releases the tree.
func (t *Tree) Close() error {
	if t.root != nil {
		return t.root.Close()
	}
	if t.tarFile != nil {
		return t.tarFile.Close()
	}
	return nil
}

// Entries lists every name in the tree, sorted.
func (t *Tree) Entries() []Entry { return t.entries }

// Stat returns the entry for name.
func (t *Tree) Stat(name string) (Entry, bool) {
	i, ok := t.index[name]
	if !ok {
		return Entry{}, false
	}
	return t.entries[i], true
}

func (t *Tree) add(e Entry) error {
	if len(t.entries) >= MaxEntries {
		return fmt.Errorf("%w: more than %d entries", ErrBadTree, MaxEntries)
	}
	t.entries = append(t.entries, e)
	return nil
}

func (t *Tree) indexDir() error {
	return filepath.WalkDir(t.path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("archive: index %s: %w", t.path, err)
		}
		rel, err := filepath.Rel(t.path, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		name := filepath.ToSlash(rel)
		if err := CheckPath(name); err != nil {
			// Still listed, so verification reports it; never opened.
			return t.add(Entry{Name: name, Type: EntryOther})
		}
		switch {
		case d.Type().IsRegular():
			info, err := d.Info()
			if err != nil {
				return fmt.Errorf("archive: index %s: %w", t.path, err)
			}
			return t.add(Entry{Name: name, Type: EntryFile, Size: info.Size()})
		case d.IsDir():
			return t.add(Entry{Name: name, Type: EntryDir})
		default:
			return t.add(Entry{Name: name, Type: EntryOther})
		}
	})
}

// posReader tracks the offset in the tar file as archive/tar reads and
// seeks, so each file's data offset is known.
type posReader struct {
	f   *os.File
	pos int64
}

func (p *posReader) Read(b []byte) (int, error) {
	n, err := p.f.Read(b)
	p.pos += int64(n)
	return n, err
}

func (p *posReader) Seek(off int64, whence int) (int64, error) {
	n, err := p.f.Seek(off, whence)
	if err == nil {
		p.pos = n
	}
	return n, err
}

func (t *Tree) indexTar(size int64) error {
	t.offsets = make(map[string]int64)
	pr := &posReader{f: t.tarFile}
	tr := tar.NewReader(pr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrBadTree, t.path, err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if err := CheckPath(name); err != nil {
			return fmt.Errorf("%w: tar entry: %v", ErrBadTree, err)
		}
		if _, dup := t.offsets[name]; dup {
			return fmt.Errorf("%w: tar entry %q appears twice", ErrBadTree, name)
		}
		switch h.Typeflag {
		case tar.TypeReg:
			if h.Size < 0 || h.Size > size-pr.pos {
				return fmt.Errorf("%w: tar entry %q: size %d beyond the end of the file", ErrBadTree, name, h.Size)
			}
			t.offsets[name] = pr.pos
			if err := t.add(Entry{Name: name, Type: EntryFile, Size: h.Size}); err != nil {
				return err
			}
		case tar.TypeDir:
			t.offsets[name] = -1
			if err := t.add(Entry{Name: name, Type: EntryDir}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: tar entry %q has type %q; only files and directories are allowed", ErrBadTree, name, h.Typeflag)
		}
	}
}

// Open opens a regular file of the tree for reading.
func (t *Tree) Open(name string) (*OpenFile, error) {
	e, ok := t.Stat(name)
	if !ok {
		return nil, fmt.Errorf("archive: %s: %w", name, fs.ErrNotExist)
	}
	if e.Type != EntryFile {
		return nil, fmt.Errorf("archive: %s: not a regular file", name)
	}
	if t.isTar {
		return &OpenFile{SectionReader: io.NewSectionReader(t.tarFile, t.offsets[name], e.Size), size: e.Size}, nil
	}
	f, err := t.root.OpenFile(filepath.FromSlash(name), os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("archive: %w", err)
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("archive: %s: not a regular file", name)
	}
	return &OpenFile{SectionReader: io.NewSectionReader(f, 0, st.Size()), closer: f, size: st.Size()}, nil
}

// OpenFile is a file opened from a Tree: readable, seekable, readable at
// offsets.
type OpenFile struct {
	*io.SectionReader
	closer io.Closer
	size   int64
}

// Close releases the file.
func (f *OpenFile) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// ReadAll reads a whole tree file of at most limit bytes.
func (t *Tree) ReadAll(name string, limit int64) ([]byte, error) {
	f, err := t.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Size() > limit {
		return nil, fmt.Errorf("archive: %s: %d bytes, more than the %d allowed", name, f.Size(), limit)
	}
	// Read at the size the tree gave, at once: a manifest of 100,000 files
	// is tens of megabytes, which growing a buffer would copy over and over.
	b := make([]byte, f.Size())
	n, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF {
		err = nil // shorter than indexed: what is there is what is read
	}
	return b[:n], err
}
