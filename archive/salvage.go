package archive

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/custodyhq/custody/schemas"
)

// Salvage is what a run killed before sealing had already preserved: the
// bodies its writer stored durably in the .partial directory, as its
// journal lists them. A new run of the same case uses it to avoid fetching
// them again; every salvaged body is re-hashed as it is read and refused if
// it does not match what the journal recorded, and it enters the new
// bundle through the new writer like any other body.
type Salvage struct {
	root    string
	entries map[string]*journalEntry // by object id
	Torn    int                      // lines that could not be read (a torn last line after a kill)
}

// OpenSalvage reads the journal of an unsealed bundle: dir is the
// .partial directory, or the bundle path it would have been sealed as.
func OpenSalvage(dir string) (*Salvage, error) {
	dir = filepath.Clean(dir)
	if !strings.HasSuffix(dir, partialSuffix) {
		dir += partialSuffix
	}
	f, err := os.Open(filepath.Join(dir, tmpDirName, journalName))
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(dir); serr != nil {
			return nil, fmt.Errorf("archive: salvage: %w", serr)
		}
		// Killed before it stored anything.
		return &Salvage{root: dir, entries: map[string]*journalEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive: salvage: %w", err)
	}
	defer f.Close()
	s := &Salvage{root: dir, entries: map[string]*journalEntry{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var e journalEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || !isDigest(e.SHA256) || e.ObjectID == "" {
			s.Torn++
			continue
		}
		s.entries[e.ObjectID] = &e
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("archive: salvage %s: %w", dir, err)
	}
	return s, nil
}

// Len is the number of bodies the journal lists.
func (s *Salvage) Len() int { return len(s.entries) }

// Preserved returns what the killed run stored for an object id: the row
// it wrote for it (as JSON), how it was obtained, and a way to read the
// content again.
func (s *Salvage) Preserved(id string) (row []byte, prov schemas.Provenance, open func() (io.ReadCloser, error), ok bool) {
	e, ok := s.entries[id]
	if !ok {
		return nil, schemas.Provenance{}, nil, false
	}
	return e.Row, e.Provenance, func() (io.ReadCloser, error) { return s.open(e) }, true
}

// open reads a salvaged body. The path is not taken from the journal: it
// is rebuilt from the digest, so a journal line cannot name a file outside
// the blobs of its own bundle. The reader fails at EOF unless the content
// matches the digest and size recorded.
func (s *Salvage) open(e *journalEntry) (io.ReadCloser, error) {
	compressed := strings.HasSuffix(e.Path, BlobSuffix)
	f, err := os.Open(filepath.Join(s.root, filepath.FromSlash(BlobPath(e.SHA256, compressed))))
	if err != nil {
		return nil, fmt.Errorf("archive: salvage %s: %w", e.ObjectID, err)
	}
	return newBlobReader(&OpenFile{closer: f}, f, compressed, File{RawSHA256: e.SHA256, RawSize: e.Size})
}
