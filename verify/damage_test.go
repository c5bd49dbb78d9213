package verify_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

func run(t *testing.T, path string, o verify.Options) *verify.Report {
	t.Helper()
	if o.Verifier == nil && !o.SkipSignature {
		o.Verifier = archivetest.Verifier(t, "ed25519")
	}
	r, err := verify.Verify(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// expectOne asserts exactly one problem, of the given kind and path.
func expectOne(t *testing.T, r *verify.Report, kind, path string) {
	t.Helper()
	if r.OK {
		t.Fatalf("damaged bundle verified OK")
	}
	if len(r.Problems) != 1 || r.Problems[0].Kind != kind || (path != "" && r.Problems[0].Path != path) {
		t.Fatalf("problems %v, want exactly one %q at %s", r.Problems, kind, path)
	}
}

func mutate(t *testing.T, path string, f func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, f(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func flip(b []byte) []byte {
	b[len(b)/2] ^= 0x01
	return b
}

// The fixture is built once; each case damages a copy.
func fixtureCopy(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "bundle")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestFlipOneByteInEachFile(t *testing.T) {
	src := archivetest.Fixture(t)
	r, err := archive.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	files := r.Manifest().Files
	r.Close()
	for _, f := range files {
		t.Run(f.Path, func(t *testing.T) {
			dir := fixtureCopy(t, src)
			mutate(t, filepath.Join(dir, f.Path), flip)
			expectOne(t, run(t, dir, verify.Options{}), verify.KindSHA256Mismatch, f.Path)
		})
	}
	for name, kind := range map[string]string{
		archive.SumsName:      verify.KindSHA256Mismatch,
		archive.SignatureName: verify.KindBadSignature,
		archive.CustodyName:   verify.KindCustodyChain,
	} {
		t.Run(name, func(t *testing.T) {
			dir := fixtureCopy(t, src)
			mutate(t, filepath.Join(dir, name), flip)
			expectOne(t, run(t, dir, verify.Options{}), kind, name)
		})
	}
	t.Run(archive.ManifestName, func(t *testing.T) {
		dir := fixtureCopy(t, src)
		// A byte inside the case id: still valid JSON, no longer the signed manifest.
		mutate(t, filepath.Join(dir, archive.ManifestName), func(b []byte) []byte {
			return bytes.Replace(b, []byte("IR-2026-0001"), []byte("IR-2026-0002"), 1)
		})
		r := run(t, dir, verify.Options{})
		if r.OK || r.Problems[0].Kind != verify.KindSHA256Mismatch || r.Problems[0].Path != archive.ManifestName {
			t.Fatalf("problems %v, want a sha256 mismatch of the manifest first", r.Problems)
		}
	})
}

func TestDamage(t *testing.T) {
	src := archivetest.Fixture(t)
	const table = "tables/cloudtrail_events/account=111111111111/region=us-east-1/part-0.parquet"
	blob, rawBlob := blobs(t, src)

	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		opts   verify.Options
		kind   string
		path   string
	}{
		{"truncate table", func(t *testing.T, dir string) {
			mutate(t, filepath.Join(dir, table), func(b []byte) []byte { return b[:len(b)-10] })
		}, verify.Options{}, verify.KindSizeMismatch, table},
		{"truncate blob", func(t *testing.T, dir string) {
			mutate(t, filepath.Join(dir, blob), func(b []byte) []byte { return b[:len(b)/2] })
		}, verify.Options{}, verify.KindSizeMismatch, blob},
		{"grow table", func(t *testing.T, dir string) {
			mutate(t, filepath.Join(dir, table), func(b []byte) []byte { return append(b, 0) })
		}, verify.Options{}, verify.KindSizeMismatch, table},
		{"delete table", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, table))
		}, verify.Options{}, verify.KindMissingFile, table},
		{"delete blob", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, blob))
		}, verify.Options{}, verify.KindMissingFile, blob},
		{"truncate raw blob", func(t *testing.T, dir string) {
			mutate(t, filepath.Join(dir, rawBlob), func(b []byte) []byte { return b[:len(b)/2] })
		}, verify.Options{}, verify.KindSizeMismatch, rawBlob},
		{"delete custody", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, archive.CustodyName))
		}, verify.Options{}, verify.KindMissingFile, archive.CustodyName},
		{"delete signature", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, archive.SignatureName))
		}, verify.Options{}, verify.KindMissingFile, archive.SignatureName},
		{"unlisted file", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "tables", "cloudtrail_events", "extra.parquet"), []byte("x"), 0o644)
		}, verify.Options{}, verify.KindUnlistedFile, "tables/cloudtrail_events/extra.parquet"},
		{"symlink", func(t *testing.T, dir string) {
			os.Symlink("/etc/passwd", filepath.Join(dir, "blobs", "passwd"))
		}, verify.Options{}, verify.KindUnsafeEntry, "blobs/passwd"},
		{"signature by another key", func(t *testing.T, dir string) {
			archivetest.SignAs(t, dir, archivetest.Signer(t, "ed25519-other"))
		}, verify.Options{}, verify.KindBadSignature, archive.SignatureName},
		{"no key", func(t *testing.T, dir string) {}, verify.Options{SkipSignature: false, Verifier: nil}, verify.KindNoKey, archive.SignatureName},
		{"unknown version", func(t *testing.T, dir string) {
			mutate(t, filepath.Join(dir, archive.ManifestName), func(b []byte) []byte {
				return bytes.Replace(b, fmt.Appendf(nil, `"format_version": %d`, schemas.FormatVersion), []byte(`"format_version": 99`), 1)
			})
		}, verify.Options{}, verify.KindUnknownVersion, archive.ManifestName},
		{"row count", func(t *testing.T, dir string) {
			archivetest.Reseal(t, dir, archivetest.Signer(t, "ed25519"), func(m *archive.Manifest) {
				for i := range m.Files {
					if m.Files[i].Path == table {
						m.Files[i].Rows++
					}
				}
				for i := range m.Tables {
					if m.Tables[i].Name == "cloudtrail_events" {
						m.Tables[i].Rows++
					}
				}
			})
		}, verify.Options{}, verify.KindRowCountMismatch, table},
		{"blob content", func(t *testing.T, dir string) {
			// A stored blob replaced by another valid zstd stream, its
			// stored digest re-signed: the raw digest gives it away.
			archivetest.SwapBlob(t, dir)
		}, verify.Options{}, verify.KindBlobMismatch, ""},
	}
	cases = append(cases, struct {
		name   string
		damage func(t *testing.T, dir string)
		opts   verify.Options
		kind   string
		path   string
	}{"zstd bomb", func(t *testing.T, dir string) {
		// 64 MiB of zeros in a few KiB, in place of a 1400-byte blob whose
		// stored digest is re-signed: decoding stops at the recorded size.
		var bomb bytes.Buffer
		enc, _ := zstd.NewWriter(&bomb, zstd.WithEncoderLevel(zstd.SpeedFastest))
		enc.Write(make([]byte, 64<<20))
		enc.Close()
		archivetest.Reseal(t, dir, archivetest.Signer(t, "ed25519"), func(m *archive.Manifest) {
			for i := range m.Files {
				if m.Files[i].Path == blob {
					os.WriteFile(filepath.Join(dir, blob), bomb.Bytes(), 0o644)
					m.Blobs.StoredBytes += int64(bomb.Len()) - m.Files[i].Size
					m.Files[i].SHA256, m.Files[i].Size = hashing.Bytes(bomb.Bytes()), int64(bomb.Len())
				}
			}
		})
	}, verify.Options{}, verify.KindBlobMismatch, ""})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtureCopy(t, src)
			c.damage(t, dir)
			o := c.opts
			if c.name == "no key" {
				r, err := verify.Verify(context.Background(), dir, o)
				if err != nil {
					t.Fatal(err)
				}
				expectOne(t, r, c.kind, c.path)
				return
			}
			r := run(t, dir, o)
			expectOne(t, r, c.kind, c.path)
			if c.kind == verify.KindSizeMismatch && !strings.Contains(r.Problems[0].Detail, "bytes") {
				t.Errorf("detail %q", r.Problems[0].Detail)
			}
		})
	}
}

// blobs returns the path of a compressed blob and of a blob stored as is in
// the fixture at src.
func blobs(t *testing.T, src string) (compressed, raw string) {
	t.Helper()
	r, err := archive.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.Manifest().Files {
		switch {
		case !f.IsBlob():
		case f.Compressed() && compressed == "":
			compressed = f.Path
		case !f.Compressed() && raw == "":
			raw = f.Path
		}
	}
	if compressed == "" || raw == "" {
		t.Fatalf("the fixture needs a compressed blob and one stored as is, has %q and %q", compressed, raw)
	}
	return compressed, raw
}

// TestBlobForms damages the form a blob is stored in: renamed to the other
// form, or listed in the other form by a manifest signed again.
func TestBlobForms(t *testing.T) {
	src := archivetest.Fixture(t)
	zblob, rawBlob := blobs(t, src)
	reseal := func(dir string, edit func(m *archive.Manifest, f *archive.File)) {
		archivetest.Reseal(t, dir, archivetest.Signer(t, "ed25519"), func(m *archive.Manifest) {
			for i := range m.Files {
				if p := m.Files[i].Path; p == zblob || p == rawBlob {
					edit(m, &m.Files[i])
				}
			}
			slices.SortFunc(m.Files, func(a, b archive.File) int { return strings.Compare(a.Path, b.Path) })
		})
	}
	rename := func(dir, from, to string) {
		if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name   string
		damage func(dir string)
		want   []verify.Problem // kind and path; details are not compared
	}{
		{"raw blob renamed .zst", func(dir string) {
			rename(dir, rawBlob, rawBlob+archive.BlobSuffix)
		}, []verify.Problem{{Kind: verify.KindMissingFile, Path: rawBlob}, {Kind: verify.KindUnlistedFile, Path: rawBlob + archive.BlobSuffix}}},
		{"compressed blob renamed raw", func(dir string) {
			rename(dir, zblob, strings.TrimSuffix(zblob, archive.BlobSuffix))
		}, []verify.Problem{{Kind: verify.KindMissingFile, Path: zblob}, {Kind: verify.KindUnlistedFile, Path: strings.TrimSuffix(zblob, archive.BlobSuffix)}}},
		{"raw bytes claimed compressed", func(dir string) {
			// Renamed and listed as .zst, every digest signed again: the
			// bytes are not zstd.
			rename(dir, rawBlob, rawBlob+archive.BlobSuffix)
			reseal(dir, func(_ *archive.Manifest, f *archive.File) {
				if f.Path == rawBlob {
					f.Path += archive.BlobSuffix
				}
			})
		}, []verify.Problem{{Kind: verify.KindBlobMismatch, Path: rawBlob + archive.BlobSuffix}}},
		{"compressed bytes claimed raw", func(dir string) {
			// Renamed and listed as stored as is, its stored digest kept:
			// a blob stored as is must have its raw digest.
			raw := strings.TrimSuffix(zblob, archive.BlobSuffix)
			rename(dir, zblob, raw)
			reseal(dir, func(_ *archive.Manifest, f *archive.File) {
				if f.Path == zblob {
					f.Path = raw
				}
			})
		}, []verify.Problem{{Kind: verify.KindBadManifest, Path: archive.ManifestName}}},
		{"compressed bytes claimed raw with the raw digest", func(dir string) {
			// The same with the stored digest and size made the raw ones:
			// the file's bytes do not hash to them.
			raw := strings.TrimSuffix(zblob, archive.BlobSuffix)
			rename(dir, zblob, raw)
			reseal(dir, func(m *archive.Manifest, f *archive.File) {
				if f.Path == zblob {
					m.Blobs.StoredBytes += f.RawSize - f.Size
					f.Path, f.SHA256, f.Size = raw, f.RawSHA256, f.RawSize
				}
			})
		}, []verify.Problem{{Kind: verify.KindSizeMismatch, Path: strings.TrimSuffix(zblob, archive.BlobSuffix)}}},
		{"raw blob replaced, same size", func(dir string) {
			mutate(t, filepath.Join(dir, rawBlob), flip)
		}, []verify.Problem{{Kind: verify.KindSHA256Mismatch, Path: rawBlob}}},
		{"raw blob in a version 1 manifest", func(dir string) {
			// Version 1 stored every blob compressed: a reader must not
			// take a raw blob from a bundle that claims it.
			reseal(dir, func(m *archive.Manifest, _ *archive.File) {
				m.FormatVersion, m.MediaType = 1, schemas.MediaTypeManifestV1
			})
		}, []verify.Problem{{Kind: verify.KindBadManifest, Path: archive.ManifestName}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := fixtureCopy(t, src)
			c.damage(dir)
			r := run(t, dir, verify.Options{})
			var got []verify.Problem
			for _, p := range r.Problems {
				got = append(got, verify.Problem{Kind: p.Kind, Path: p.Path})
			}
			if r.OK || !slices.Equal(got, c.want) {
				t.Fatalf("problems %v, want %v", r.Problems, c.want)
			}
		})
	}
}
