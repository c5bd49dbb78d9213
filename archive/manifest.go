package archive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// Names of the files at a bundle's root.
const (
	ManifestName  = "manifest.json"
	SumsName      = "SHA256SUMS"
	SignatureName = "manifest.sigstore.json"
	CustodyName   = "custody.jsonl"
)

// Errors a reader returns for a manifest it will not use.
var (
	ErrUnsupportedVersion = errors.New("unsupported bundle format version")
	ErrMalformedManifest  = errors.New("malformed manifest")
)

// Manifest is manifest.json: what the bundle is and every file in it.
type Manifest struct {
	FormatVersion int                  `json:"format_version"`
	MediaType     string               `json:"media_type"`
	Case          string               `json:"case"`
	Title         string               `json:"title,omitempty"`
	Kind          string               `json:"kind"` // evidence or baseline
	Tool          Tool                 `json:"tool"`
	Host          Host                 `json:"host"`
	Actor         string               `json:"actor"`
	Key           KeyInfo              `json:"signing_key"`
	Started       time.Time            `json:"started"`
	Sealed        time.Time            `json:"sealed"`
	Window        Window               `json:"window"`
	Command       []string             `json:"command,omitempty"`
	ResumedFrom   []string             `json:"resumed_from,omitempty"`
	Targets       []schemas.TargetInfo `json:"targets"`
	Sources       []schemas.SourceInfo `json:"sources"`
	Tables        []TableInfo          `json:"tables"`
	Blobs         BlobInfo             `json:"blobs"`
	Gaps          []GapInfo            `json:"gaps"`
	Files         []File               `json:"files"`
}

// Tool is the build that wrote the bundle.
type Tool struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Module    string `json:"module,omitempty"`
	Revision  string `json:"vcs_revision,omitempty"`
	Modified  bool   `json:"vcs_modified,omitempty"`
}

// Host is the machine that wrote the bundle.
type Host struct {
	Name string `json:"name"`
	OS   string `json:"os"`
	Arch string `json:"arch"`
}

// KeyInfo names the key that signed the bundle; the key itself is never in
// the bundle.
type KeyInfo struct {
	Hint      string `json:"hint"`      // hex sha256 of the PKIX DER public key
	Algorithm string `json:"algorithm"` // e.g. ecdsa-p256, ed25519, rsa-3072
}

// Window is the time range the collection asked for.
type Window struct {
	Since time.Time `json:"since"`
	Until time.Time `json:"until"`
}

// TableInfo counts one table's rows and files.
type TableInfo struct {
	Name  string `json:"name"`
	Rows  int64  `json:"rows"`
	Files int    `json:"files"`
}

// BlobInfo counts the bundle's blobs.
type BlobInfo struct {
	Count       int64 `json:"count"`
	RawBytes    int64 `json:"raw_bytes"`
	StoredBytes int64 `json:"stored_bytes"`
}

// GapInfo is a Gap as listed in the manifest.
type GapInfo struct {
	Source  string    `json:"source"`
	Unit    string    `json:"unit"`
	Account string    `json:"account"`
	Region  string    `json:"region"`
	Cause   string    `json:"cause"`
	Message string    `json:"message,omitempty"`
	Time    time.Time `json:"time"`
}

// Partition is the hive partition of a table file.
type Partition struct {
	Account string `json:"account"`
	Region  string `json:"region"`
}

// File is one file of the bundle covered by the manifest.
type File struct {
	Path      string     `json:"path"`
	SHA256    string     `json:"sha256"`
	Size      int64      `json:"size"`
	Table     string     `json:"table,omitempty"`
	Partition *Partition `json:"partition,omitempty"`
	Rows      int64      `json:"rows,omitempty"`
	RawSHA256 string     `json:"raw_sha256,omitempty"` // blobs: digest of the content before compression (= SHA256 when stored as is)
	RawSize   int64      `json:"raw_size,omitempty"`
}

// IsBlob reports whether f is a blob.
func (f File) IsBlob() bool { return f.RawSHA256 != "" }

// Marshal returns the canonical encoding of m: indented JSON, HTML
// characters not escaped, a final newline.
func (m *Manifest) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(4096 + 300*len(m.Files)) // about what a file's entry takes
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("archive: marshal manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// ParseManifest parses manifest.json. It refuses an unknown format version
// (ErrUnsupportedVersion), unknown fields, invalid paths or digests, and any
// encoding other than the canonical one that Marshal produces, so a manifest
// has exactly one byte form.
func ParseManifest(b []byte) (*Manifest, error) {
	var probe struct {
		FormatVersion *int   `json:"format_version"`
		MediaType     string `json:"media_type"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedManifest, err)
	}
	if probe.FormatVersion == nil {
		return nil, fmt.Errorf("%w: no format_version", ErrMalformedManifest)
	}
	if manifestMediaType(*probe.FormatVersion) != probe.MediaType {
		return nil, fmt.Errorf("%w: format_version %d, media_type %q", ErrUnsupportedVersion, *probe.FormatVersion, probe.MediaType)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	m := new(Manifest)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedManifest, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the manifest", ErrMalformedManifest)
	}
	again, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, b) {
		return nil, fmt.Errorf("%w: not in canonical form", ErrMalformedManifest)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformedManifest, err)
	}
	return m, nil
}

// manifestMediaType is the media type of a manifest of the given format
// version, or "" for a version this build does not read.
func manifestMediaType(version int) string {
	switch version {
	case schemas.FormatVersion:
		return schemas.MediaTypeManifest
	case 3:
		return schemas.MediaTypeManifestV3
	case 2:
		return schemas.MediaTypeManifestV2
	case 1:
		return schemas.MediaTypeManifestV1
	}
	return ""
}

func (m *Manifest) validate() error {
	seen := make(map[string]bool, len(m.Files))
	for i, f := range m.Files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
		if reserved(f.Path) {
			return fmt.Errorf("file %q: reserved name", f.Path)
		}
		if seen[f.Path] {
			return fmt.Errorf("file %q listed twice", f.Path)
		}
		seen[f.Path] = true
		if i > 0 && m.Files[i-1].Path > f.Path {
			return fmt.Errorf("files not sorted at %q", f.Path)
		}
		if !isDigest(f.SHA256) {
			return fmt.Errorf("file %q: bad sha256 %q", f.Path, f.SHA256)
		}
		if f.Size < 0 || f.Rows < 0 || f.RawSize < 0 {
			return fmt.Errorf("file %q: negative size", f.Path)
		}
		switch {
		case f.RawSHA256 != "":
			if !isDigest(f.RawSHA256) {
				return fmt.Errorf("file %q: bad raw_sha256", f.Path)
			}
			if err := m.checkBlobForm(f); err != nil {
				return err
			}
			if f.Table != "" || f.Partition != nil || f.Rows != 0 {
				return fmt.Errorf("blob %q has table fields", f.Path)
			}
		case f.Table != "":
			if schemas.NewRow(f.Table) == nil {
				return fmt.Errorf("file %q: unknown table %q", f.Path, f.Table)
			}
			if f.Partition == nil || path.Dir(f.Path) != PartitionDir(f.Table, *f.Partition) ||
				!strings.HasPrefix(path.Base(f.Path), "part-") || !strings.HasSuffix(f.Path, ".parquet") {
				return fmt.Errorf("table file %q is not where its table and partition say", f.Path)
			}
		default:
			return fmt.Errorf("file %q is neither a blob nor a table file", f.Path)
		}
	}
	return nil
}

// reserved reports whether name is one of the root files the manifest does
// not list.
func reserved(name string) bool {
	switch name {
	case ManifestName, SumsName, SignatureName, CustodyName:
		return true
	}
	return false
}

// checkBlobForm checks that a blob is at its address in one of the forms
// its format version allows: zstd-compressed at <raw>.zst (every version),
// or, from version 2, stored as is at <raw>, its stored digest and size
// then being its raw ones.
func (m *Manifest) checkBlobForm(f File) error {
	switch {
	case f.Path == BlobPath(f.RawSHA256, true):
		return nil
	case f.Path != BlobPath(f.RawSHA256, false):
		return fmt.Errorf("blob %q is not at its address", f.Path)
	case m.FormatVersion < 2:
		return fmt.Errorf("blob %q is stored uncompressed, which format version %d does not allow", f.Path, m.FormatVersion)
	case f.SHA256 != f.RawSHA256 || f.Size != f.RawSize:
		return fmt.Errorf("blob %q is stored uncompressed but its stored digest or size is not its raw one", f.Path)
	}
	return nil
}

// BlobPath is where a blob with the given raw sha256 lives in a bundle:
// <raw>.zst when it is stored zstd-compressed, <raw> when stored as is.
func BlobPath(raw string, compressed bool) string {
	p := "blobs/sha256/" + raw
	if len(raw) >= 2 {
		p = "blobs/sha256/" + raw[:2] + "/" + raw
	}
	if compressed {
		p += BlobSuffix
	}
	return p
}

// BlobSuffix ends the name of a zstd-compressed blob.
const BlobSuffix = ".zst"

// Compressed reports whether a blob is stored zstd-compressed, as its name
// says; a blob without the suffix is stored as is.
func (f File) Compressed() bool { return strings.HasSuffix(f.Path, BlobSuffix) }

func isDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// MaxPathLen bounds the length of a path inside a bundle.
const MaxPathLen = 1024

// CheckPath reports whether name is acceptable as a path inside a bundle:
// slash-separated, relative, no "." or ".." elements, no empty elements, no
// backslashes or control characters.
func CheckPath(name string) error {
	if len(name) > MaxPathLen {
		return fmt.Errorf("path too long (%d bytes)", len(name))
	}
	if !fs.ValidPath(name) || name == "." {
		return fmt.Errorf("invalid path %q", name)
	}
	if strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return fmt.Errorf("invalid character in path %q", name)
	}
	return nil
}
