package modelsig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
)

const vectors = "testdata/model-transparency"

func newKey(t *testing.T) (signature.Signer, signature.Verifier) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := archive.SignerFor(k)
	if err != nil {
		t.Fatal(err)
	}
	v, err := archive.VerifierFor(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func projectVerifier(t *testing.T) signature.Verifier {
	t.Helper()
	v, err := archive.LoadVerifier(filepath.Join(vectors, "signing-key-pub.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyDir copies a directory of regular files.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sampleModel builds the model-transparency project's sample_model_folder
// fixture (tests/conftest.py) as dir/sample_model.
func sampleModel(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "sample_model")
	for i := range 2 {
		for j := range 3 {
			write(t, filepath.Join(root, fmt.Sprintf("d%d", i), fmt.Sprintf("f%d%d", i, j)), fmt.Sprintf("This is file f%d%d in d%d.", i, j, i))
		}
	}
	for i := range 4 {
		write(t, filepath.Join(root, fmt.Sprintf("f%d", i)), fmt.Sprintf("This is file f%d in root.", i))
	}
	return root
}

func verify(t *testing.T, dir string, sig []byte, v signature.Verifier, sigPath string) *Report {
	t.Helper()
	r, err := Verify(context.Background(), dir, sig, VerifyOptions{Verifier: v, SignaturePath: sigPath, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// wantProblems checks that the report holds exactly problems of these kinds
// at these paths ("kind path"), and returns them.
func wantProblems(t *testing.T, r *Report, want ...string) {
	t.Helper()
	var got []string
	for _, p := range r.Problems {
		got = append(got, strings.TrimSpace(p.Kind+" "+p.Path))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || r.OK != (len(want) == 0) {
		t.Fatalf("problems:\n%v\nwant:\n%s", r.Problems, strings.Join(want, "\n"))
	}
}

func readGolden(t *testing.T, name string) *Statement {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(vectors, "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return &st
}

// The project's own signatures, made by its model_signing releases 1.0.1
// (public key carried in the bundle) and 1.1.0 (key named by hint, with
// ignore_paths), verify with its public key.
func TestProjectSignatures(t *testing.T) {
	v := projectVerifier(t)
	for _, name := range []string{"v1.0.1-elliptic-key", "v1.1.0-elliptic-key"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(vectors, name)
			sigPath := filepath.Join(dir, "model.sig")
			sig, err := os.ReadFile(sigPath)
			if err != nil {
				t.Fatal(err)
			}
			r := verify(t, dir, sig, v, sigPath)
			wantProblems(t, r)
			if r.Name != name || r.Files != 2 || r.Resources != 2 || r.Method != MethodFiles {
				t.Fatalf("report %+v", r)
			}

			// The same signature, the model changed by one byte.
			tmp := filepath.Join(t.TempDir(), name)
			copyDir(t, dir, tmp)
			// Git's files are left out by default, as the format's
			// verifier does, whether or not the signature lists them.
			write(t, filepath.Join(tmp, ".git", "HEAD"), "ref: refs/heads/main\n")
			write(t, filepath.Join(tmp, ".gitattributes"), "*.bin filter=lfs\n")
			wantProblems(t, verify(t, tmp, sig, v, filepath.Join(tmp, "model.sig")))
			write(t, filepath.Join(tmp, "signme-2"), "signme-3")
			wantProblems(t, verify(t, tmp, sig, v, filepath.Join(tmp, "model.sig")), "changed signme-2")

			// Another key.
			_, other := newKey(t)
			r = verify(t, dir, sig, other, sigPath)
			wantProblems(t, r, KindSignature)
			if !strings.Contains(r.Problems[0].Detail, "another key") {
				t.Fatalf("detail %q", r.Problems[0].Detail)
			}
		})
	}
}

// custody computes the resources and the subject digest the project's
// golden payload holds for its sample model.
func TestSignMatchesProjectPayload(t *testing.T) {
	golden := readGolden(t, "sample_model_folder.json")
	s, v := newKey(t)
	dir := sampleModel(t)
	sig, st, err := Sign(context.Background(), dir, SignOptions{Signer: s, AllowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	gotR, _ := json.Marshal(st.Predicate.Resources)
	wantR, _ := json.Marshal(golden.Predicate.Resources)
	if !bytes.Equal(gotR, wantR) {
		t.Fatalf("resources\n%s\nwant\n%s", gotR, wantR)
	}
	gotS, _ := json.Marshal(st.Subject)
	wantS, _ := json.Marshal(golden.Subject)
	if !bytes.Equal(gotS, wantS) {
		t.Fatalf("subject %s, want %s", gotS, wantS)
	}
	ser := st.Predicate.Serialization
	if ser.Method != "files" || ser.HashType != "sha256" || !ser.AllowSymlinks || strings.Join(ser.IgnorePaths, ",") != ".git,.gitattributes,.github,.gitignore" {
		t.Fatalf("serialization %+v", ser)
	}
	wantProblems(t, verify(t, dir, sig, v, ""))

	// The signed bytes: a DSSE envelope over the statement, PAE as DSSE v1
	// defines it, in a Sigstore bundle v0.3 naming the key by the sha256 of
	// its PEM encoding.
	var b struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			PublicKey struct{ Hint string } `json:"publicKey"`
		} `json:"verificationMaterial"`
		DSSEEnvelope archive.Envelope `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(sig, &b); err != nil {
		t.Fatal(err)
	}
	pub, _ := v.PublicKey()
	hint, _ := KeyHint(pub)
	if b.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" || b.VerificationMaterial.PublicKey.Hint != hint {
		t.Fatalf("bundle %+v", b)
	}
	payload, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Payload)
	raw, _ := base64.StdEncoding.DecodeString(b.DSSEEnvelope.Signatures[0].Sig)
	pae := fmt.Appendf(nil, "DSSEv1 %d application/vnd.in-toto+json %d %s", len("application/vnd.in-toto+json"), len(payload), payload)
	if err := v.VerifySignature(bytes.NewReader(raw), bytes.NewReader(pae)); err != nil {
		t.Fatal(err)
	}
}

// The hint of the project's key is what its 1.1.0 signature names.
func TestKeyHintMatchesProject(t *testing.T) {
	pub, err := projectVerifier(t).PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	h, err := KeyHint(pub)
	if err != nil || h != "e8450dec4eb99dae995da9af1bc2cc9f76ed669ee2e744f57abba763df3e3f8e" {
		t.Fatal(h, err)
	}
}

// The acceptance cases: an untouched model, one byte changed, a file added,
// a file removed, another key.
func TestSignVerify(t *testing.T) {
	s, v := newKey(t)
	_, other := newKey(t)
	build := func(t *testing.T) (string, []byte, string) {
		dir := filepath.Join(t.TempDir(), "model")
		write(t, filepath.Join(dir, "config.json"), `{"layers": 2}`)
		write(t, filepath.Join(dir, "weights", "model-00001.safetensors"), strings.Repeat("w", 3<<20+17))
		write(t, filepath.Join(dir, "tokenizer.json"), `{}`)
		write(t, filepath.Join(dir, ".git", "HEAD"), "ref: refs/heads/main\n")
		sigPath := filepath.Join(dir, DefaultSignatureName)
		sig, _, err := Sign(context.Background(), dir, SignOptions{Signer: s, SignaturePath: sigPath})
		if err != nil {
			t.Fatal(err)
		}
		write(t, sigPath, string(sig))
		return dir, sig, sigPath
	}
	t.Run("untouched", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		write(t, filepath.Join(dir, ".git", "index"), "git moves on")
		r := verify(t, dir, sig, v, sigPath)
		wantProblems(t, r)
		if r.Files != 3 || r.Resources != 3 {
			t.Fatalf("report %+v", r)
		}
	})
	t.Run("one byte changed", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		p := filepath.Join(dir, "weights", "model-00001.safetensors")
		b, _ := os.ReadFile(p)
		b[2<<20] ^= 1
		write(t, p, string(b))
		r := verify(t, dir, sig, v, sigPath)
		wantProblems(t, r, "changed weights/model-00001.safetensors")
		sum := sha256.Sum256(b)
		if !strings.Contains(r.Problems[0].Detail, hex.EncodeToString(sum[:])) {
			t.Fatalf("detail %q", r.Problems[0].Detail)
		}
	})
	t.Run("file added", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		write(t, filepath.Join(dir, "weights", "adapter.bin"), "lora")
		wantProblems(t, verify(t, dir, sig, v, sigPath), "extra weights/adapter.bin")
	})
	t.Run("file removed", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		if err := os.Remove(filepath.Join(dir, "tokenizer.json")); err != nil {
			t.Fatal(err)
		}
		wantProblems(t, verify(t, dir, sig, v, sigPath), "missing tokenizer.json")
	})
	t.Run("another key", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		r := verify(t, dir, sig, other, sigPath)
		wantProblems(t, r, KindSignature)
		if !strings.Contains(r.Problems[0].Detail, "signed by another key") {
			t.Fatalf("detail %q", r.Problems[0].Detail)
		}
	})
	t.Run("another key, no hint", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		var b map[string]any
		if err := json.Unmarshal(sig, &b); err != nil {
			t.Fatal(err)
		}
		delete(b, "verificationMaterial")
		sig, _ = json.Marshal(b)
		wantProblems(t, verify(t, dir, sig, other, sigPath), KindSignature)
		wantProblems(t, verify(t, dir, sig, v, sigPath))
	})
	t.Run("statement altered", func(t *testing.T) {
		dir, sig, sigPath := build(t)
		sig = bytes.Replace(sig, []byte(`"payload": "ew`), []byte(`"payload": "eW`), 1)
		r := verify(t, dir, sig, v, sigPath)
		wantProblems(t, r, KindSignature)
	})
}

// The project's golden shard payload (8-byte shards) verifies against its
// sample model, and a changed byte is named with its shard.
func TestShards(t *testing.T) {
	s, v := newKey(t)
	golden := readGolden(t, "sample_model_folder_small_shards.json")
	sig, err := signStatement(s, golden)
	if err != nil {
		t.Fatal(err)
	}
	dir := sampleModel(t)
	r := verify(t, dir, sig, v, "")
	wantProblems(t, r)
	if r.Method != MethodShards || r.Resources != 30 || r.Files != 10 {
		t.Fatalf("report %+v", r)
	}

	write(t, filepath.Join(dir, "d1", "f11"), "This is file f11 in D1.")
	write(t, filepath.Join(dir, "f2"), "This is file f2 in root.!")
	write(t, filepath.Join(dir, "empty"), "") // the format lists no shard for an empty file
	write(t, filepath.Join(dir, "new"), "x")
	if err := os.Remove(filepath.Join(dir, "f3")); err != nil {
		t.Fatal(err)
	}
	r = verify(t, dir, sig, v, "")
	wantProblems(t, r, "changed d1/f11", "changed f2", "missing f3", "extra new")
	if d := r.Problems[0].Detail; !strings.Contains(d, "16-23") || strings.Contains(d, "0-8") {
		t.Fatalf("detail %q", d)
	}
	if d := r.Problems[1].Detail; !strings.Contains(d, "25 bytes, the signature covers 24") {
		t.Fatalf("detail %q", d)
	}
}

// signed returns a signature over a statement built from resources, with
// a consistent subject digest unless the caller breaks it.
func signed(t *testing.T, s signature.Signer, ser Serialization, rs []Resource, edit func(*Statement)) []byte {
	t.Helper()
	st, err := newStatement("m", ser, rs)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(st)
	}
	b, err := signStatement(s, st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestRefused(t *testing.T) {
	s, v := newKey(t)
	files := Serialization{Method: MethodFiles, HashType: HashSHA256}
	dir := filepath.Join(t.TempDir(), "m")
	write(t, filepath.Join(dir, "a"), "a")
	outside := filepath.Join(filepath.Dir(dir), "secret")
	write(t, outside, "secret")
	ok := Resource{"a", "sha256", sha("a")}

	cases := []struct {
		name string
		sig  []byte
		want []string
		text string
	}{
		{"escaping path", signed(t, s, files, []Resource{ok, {"../secret", "sha256", sha("secret")}}, nil),
			[]string{"path ../secret"}, "escapes"},
		{"absolute path", signed(t, s, files, []Resource{ok, {"/etc/passwd", "sha256", sha("x")}}, nil),
			[]string{"path /etc/passwd"}, "absolute"},
		{"ignore everything", signed(t, s, Serialization{Method: MethodFiles, HashType: HashSHA256, IgnorePaths: []string{"."}}, []Resource{ok}, nil),
			[]string{"path ."}, "ignore_paths"},
		{"unsupported serialization", signed(t, s, Serialization{Method: "tensors", HashType: HashSHA256}, []Resource{ok}, nil),
			[]string{KindUnsupported}, "unsupported serialization"},
		{"unsupported hash", signed(t, s, Serialization{Method: MethodFiles, HashType: "blake3"}, []Resource{{"a", "blake3", sha("a")}}, nil),
			[]string{KindUnsupported}, "unsupported hash_type"},
		{"subject digest", signed(t, s, files, []Resource{ok}, func(st *Statement) { st.Subject[0].Digest["sha256"] = sha("b") }),
			[]string{KindManifest}, "does not match the resources"},
		{"pre-1.0 predicate", signed(t, s, files, []Resource{ok}, func(st *Statement) { st.PredicateType = PredicateTypeV01 }),
			[]string{KindUnsupported}, "v1.0"},
		{"listed twice", signed(t, s, files, []Resource{ok, ok}, nil),
			[]string{"manifest a"}, "twice"},
		{"not a bundle", []byte("{"), []string{KindSignature}, "not a Sigstore bundle"},
		{"certificate", []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"certificate":{"rawBytes":"MAA="},"tlogEntries":[]},"dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"MAA="}]}}`),
			[]string{KindUnsupported}, "certificate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := verify(t, dir, c.sig, v, "")
			wantProblems(t, r, c.want...)
			if !strings.Contains(r.Problems[0].Detail, c.text) {
				t.Fatalf("detail %q, want %q", r.Problems[0].Detail, c.text)
			}
		})
	}
}

func TestSymlinks(t *testing.T) {
	s, v := newKey(t)
	dir := filepath.Join(t.TempDir(), "m")
	write(t, filepath.Join(dir, "a"), "a")
	outside := filepath.Join(filepath.Dir(dir), "outside")
	write(t, outside, "outside")
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Skip("no symlinks here:", err)
	}

	// Signing refuses a symlink unless told.
	if _, _, err := Sign(context.Background(), dir, SignOptions{Signer: s}); err == nil || !strings.Contains(err.Error(), "symlink: link") {
		t.Fatalf("sign: %v", err)
	}
	sig, st, err := Sign(context.Background(), dir, SignOptions{Signer: s, AllowSymlinks: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Predicate.Resources) != 2 || st.Predicate.Resources[1].Digest != sha("outside") {
		t.Fatalf("resources %+v", st.Predicate.Resources)
	}
	wantProblems(t, verify(t, dir, sig, v, ""))

	// A signature that does not allow symlinks never follows one, even where
	// the signed file was: the link is reported, not read.
	os.Remove(filepath.Join(dir, "link"))
	write(t, filepath.Join(dir, "link"), "outside")
	sig, _, err = Sign(context.Background(), dir, SignOptions{Signer: s})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "link"))
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	wantProblems(t, verify(t, dir, sig, v, ""), "symlink link")
}

func TestHashRangeStreams(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	b := make([]byte, 5<<20+3)
	for i := range b {
		b[i] = byte(i * 7)
	}
	write(t, p, string(b))
	e := entry{rel: "f", abs: p, size: int64(len(b))}
	for _, r := range [][2]int64{{0, -1}, {0, int64(len(b))}, {1 << 20, 3<<20 + 5}, {int64(len(b)) - 1, int64(len(b))}} {
		d, n, err := hashRange(e, r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		end := r[1]
		if end < 0 {
			end = int64(len(b))
		}
		want := sha256.Sum256(b[r[0]:end])
		if !bytes.Equal(d, want[:]) || n != end-r[0] {
			t.Fatalf("range %v: n %d", r, n)
		}
	}
}

func TestSortResources(t *testing.T) {
	rs := []Resource{{Name: "a.b"}, {Name: "a/b"}, {Name: "a/b:16:24"}, {Name: "a/b:8:16"}, {Name: "A"}, {Name: "a/b/c"}}
	sortResources(rs)
	var got []string
	for _, r := range rs {
		got = append(got, r.Name)
	}
	// Path components first ("a" < "a.b"), then offsets as numbers.
	if want := "A a/b a/b:8:16 a/b:16:24 a/b/c a.b"; strings.Join(got, " ") != want {
		t.Fatalf("got %s, want %s", strings.Join(got, " "), want)
	}
}
