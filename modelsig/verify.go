package modelsig

import (
	"bytes"
	"cmp"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Verifier holds the public key the model must be signed with.
	Verifier signature.Verifier
	// SignaturePath is where the signature was read from. When it lies
	// inside the model directory it is ignored.
	SignaturePath string
	// Workers bound the files hashed at once (GOMAXPROCS when 0).
	Workers int
}

// Report is the outcome of Verify.
type Report struct {
	Model     string    `json:"model"`
	Signature string    `json:"signature,omitempty"`
	OK        bool      `json:"ok"`
	Name      string    `json:"name,omitempty"` // the subject name: the model as signed
	Method    string    `json:"method,omitempty"`
	HashType  string    `json:"hash_type,omitempty"`
	KeyHint   string    `json:"key_hint,omitempty"`
	Resources int       `json:"resources"` // files or shards the signature lists
	Files     int       `json:"files"`     // files on disk compared with it
	Problems  []Problem `json:"problems"`
}

func (r *Report) add(kind, p, format string, a ...any) {
	r.Problems = append(r.Problems, Problem{kind, p, fmt.Sprintf(format, a...)})
}

func (r *Report) finish() *Report {
	slices.SortStableFunc(r.Problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind))
	})
	r.OK = len(r.Problems) == 0
	return r
}

// Verify checks the model directory dir against the model signature sig:
// that the signature verifies with o.Verifier's key, that its statement is
// a consistent model_signing v1.0 statement, and that the files on disk are
// exactly those it lists, with the same digests. Each difference is a
// Problem in the report. The error is for a model that could not be read.
func Verify(ctx context.Context, dir string, sig []byte, o VerifyOptions) (*Report, error) {
	r := &Report{Model: dir, Signature: o.SignaturePath, Problems: []Problem{}}
	if o.Verifier == nil {
		return nil, errors.New("modelsig: no verifier")
	}
	st := verifyBundle(r, sig, o.Verifier)
	if st == nil {
		return r.finish(), nil
	}
	r.Name = st.Subject[0].Name
	ser := st.Predicate.Serialization
	r.Method, r.HashType = ser.Method, ser.HashType
	want, shardSize := checkStatement(r, st)
	if want == nil {
		return r.finish(), nil
	}

	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("modelsig: %w", err)
	}
	ignore := slices.Clone(DefaultIgnore)
	for _, p := range ser.IgnorePaths {
		ignore = append(ignore, path.Clean(p))
	}
	if rel, ok := inside(root, o.SignaturePath); ok {
		ignore = append(ignore, rel)
	}
	files, probs, err := scan(root, ser.AllowSymlinks, ignore)
	if err != nil {
		return nil, fmt.Errorf("modelsig: %w", err)
	}
	r.Problems = append(r.Problems, probs...)
	r.Files = len(files)
	seen := make(map[string]bool, len(files)+len(probs))
	for _, p := range probs {
		seen[p.Path] = true
	}
	if ser.Method == MethodShards {
		err = compareShards(ctx, r, files, want, shardSize, seen, o.Workers)
	} else {
		err = compareFiles(ctx, r, files, want, seen, o.Workers)
	}
	if err != nil {
		return nil, err
	}
	var missing []string
	for p := range want {
		if !seen[p] {
			missing = append(missing, p)
		}
	}
	slices.Sort(missing)
	for _, p := range missing {
		r.add(KindMissing, p, "signed, not in the model directory")
	}
	return r.finish(), nil
}

// verifyBundle checks the signature and returns the statement it signs, or
// nil after adding the problem.
func verifyBundle(r *Report, sig []byte, v signature.Verifier) *Statement {
	var b bundle
	if err := json.Unmarshal(sig, &b); err != nil {
		r.add(KindSignature, "", "not a Sigstore bundle: %v", err)
		return nil
	}
	if !strings.HasPrefix(b.MediaType, "application/vnd.dev.sigstore.bundle") {
		r.add(KindSignature, "", "media type %q is not a Sigstore bundle", b.MediaType)
		return nil
	}
	env := b.DSSEEnvelope
	if env == nil {
		r.add(KindSignature, "", "the bundle holds no DSSE envelope")
		return nil
	}
	if vm := b.VerificationMaterial; vm.PublicKey == nil && (len(vm.Certificate) > 0 || len(vm.X509CertificateChain) > 0) {
		r.add(KindUnsupported, "", "the signature is made with a certificate (Sigstore keyless or a PKI); custody verifies signatures made with a key")
		return nil
	}
	pub, err := v.PublicKey()
	if err != nil {
		r.add(KindSignature, "", "public key: %v", err)
		return nil
	}
	hint, err := KeyHint(pub)
	if err != nil {
		r.add(KindSignature, "", "%v", err)
		return nil
	}
	r.KeyHint = hint
	if pk := b.VerificationMaterial.PublicKey; pk != nil {
		if pk.Hint != "" && !matchesHint(pk.Hint, pub, hint) {
			r.add(KindSignature, "", "signed by another key: the signature names key %s, --key is %s", pk.Hint, hint)
			return nil
		}
		if len(pk.RawBytes) > 0 && !sameKey(pk.RawBytes, pub) {
			r.add(KindSignature, "", "signed by another key: the public key in the signature is not --key (%s)", hint)
			return nil
		}
	}
	if env.PayloadType != archive.InTotoPayloadType {
		r.add(KindSignature, "", "payload type %q, want %q", env.PayloadType, archive.InTotoPayloadType)
		return nil
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		r.add(KindSignature, "", "payload encoding: %v", err)
		return nil
	}
	if len(env.Signatures) == 0 {
		r.add(KindSignature, "", "the envelope holds no signature")
		return nil
	}
	pae := archive.PAE(env.PayloadType, payload)
	verified := false
	for _, s := range env.Signatures {
		raw, err := base64.StdEncoding.DecodeString(s.Sig)
		if err == nil && v.VerifySignature(bytes.NewReader(raw), bytes.NewReader(pae)) == nil {
			verified = true
			break
		}
	}
	if !verified {
		r.add(KindSignature, "", "does not verify with --key (%s): signed by another key, or the statement was altered", hint)
		return nil
	}

	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		r.add(KindManifest, "", "statement: %v", err)
		return nil
	}
	switch {
	case st.Type != archive.StatementType:
		r.add(KindManifest, "", "statement type %q, want %q", st.Type, archive.StatementType)
	case st.PredicateType == PredicateTypeV01:
		r.add(KindUnsupported, "", "predicate type %s: the experimental format before model_signing v1.0", st.PredicateType)
	case st.PredicateType != PredicateType:
		r.add(KindUnsupported, "", "predicate type %q, want %s", st.PredicateType, PredicateType)
	case len(st.Subject) != 1:
		r.add(KindManifest, "", "%d subjects, want 1", len(st.Subject))
	default:
		return &st
	}
	return nil
}

// matchesHint accepts the model_signing hint (sha256 of the PEM key) and
// custody's own (sha256 of the DER key).
func matchesHint(h string, pub crypto.PublicKey, pemHint string) bool {
	if strings.EqualFold(h, pemHint) {
		return true
	}
	der, err := archive.KeyHint(pub)
	return err == nil && strings.EqualFold(h, der)
}

// sameKey reports whether raw (PEM, as model_signing 1.0.x wrote it, or
// DER) is the public key pub.
func sameKey(raw []byte, pub crypto.PublicKey) bool {
	k, err := cryptoutils.UnmarshalPEMToPublicKey(raw)
	if err != nil {
		return false
	}
	return cryptoutils.EqualKeys(k, pub) == nil
}

// expected is what the signature says about one file: its digest, or its
// shards.
type expected struct {
	digest string
	shards []shard
}

type shard struct {
	start, end int64
	digest     string
}

// checkStatement checks the signed statement for consistency and returns
// the resources by file path, or nil after adding the problem.
func checkStatement(r *Report, st *Statement) (map[string]*expected, int64) {
	ser, rs := st.Predicate.Serialization, st.Predicate.Resources
	r.Resources = len(rs)
	root, err := rootDigest(rs)
	if err != nil {
		r.add(KindManifest, "", "%v", err)
		return nil, 0
	}
	if got := st.Subject[0].Digest["sha256"]; !strings.EqualFold(got, root) {
		r.add(KindManifest, "", "subject digest %s does not match the resources, which hash to %s", got, root)
		return nil, 0
	}
	var shardSize int64
	switch ser.Method {
	case MethodFiles:
	case MethodShards:
		if shardSize, err = ser.shardSize(); err != nil {
			r.add(KindManifest, "", "%v", err)
			return nil, 0
		}
	default:
		r.add(KindUnsupported, "", "unsupported serialization %q (this verifier checks %q and %q)", ser.Method, MethodFiles, MethodShards)
		return nil, 0
	}
	if ser.HashType != HashSHA256 {
		r.add(KindUnsupported, "", "unsupported hash_type %q (this verifier checks %q)", ser.HashType, HashSHA256)
		return nil, 0
	}
	bad := false
	for _, p := range ser.IgnorePaths {
		if err := checkRelPath(path.Clean(p)); err != nil || path.Clean(p) == "." {
			r.add(KindPath, p, "ignore_paths entry: %v", err)
			bad = true
		}
	}
	algos := []string{HashSHA256}
	if ser.Method == MethodShards {
		algos = append(algos, fmt.Sprintf("%s-sharded-%d", HashSHA256, shardSize))
	}
	want := make(map[string]*expected, len(rs))
	seen := make(map[string]bool, len(rs))
	for _, res := range rs {
		if seen[res.Name] {
			r.add(KindManifest, res.Name, "listed twice")
			bad = true
			continue
		}
		seen[res.Name] = true
		if !slices.Contains(algos, res.Algorithm) {
			r.add(KindUnsupported, res.Name, "algorithm %q, want %s", res.Algorithm, strings.Join(algos, " or "))
			bad = true
			continue
		}
		if len(res.Digest) != 64 {
			r.add(KindManifest, res.Name, "digest %q is not a sha256", res.Digest)
			bad = true
			continue
		}
		digest := strings.ToLower(res.Digest)
		if ser.Method == MethodFiles {
			if err := checkRelPath(res.Name); err != nil {
				r.add(KindPath, res.Name, "refused: %v", err)
				bad = true
				continue
			}
			want[res.Name] = &expected{digest: digest}
			continue
		}
		p, start, end, err := splitShard(res.Name)
		if err == nil {
			err = checkRelPath(p)
		}
		if err == nil && (start%shardSize != 0 || end-start > shardSize || end == start) {
			err = fmt.Errorf("shard is not a %d-byte shard", shardSize)
		}
		if err != nil {
			r.add(KindPath, res.Name, "refused: %v", err)
			bad = true
			continue
		}
		e := want[p]
		if e == nil {
			e = &expected{}
			want[p] = e
		}
		e.shards = append(e.shards, shard{start, end, digest})
	}
	if bad {
		return nil, 0
	}
	return want, shardSize
}

// compareFiles hashes the files the signature lists and reports the others.
func compareFiles(ctx context.Context, r *Report, files []entry, want map[string]*expected, seen map[string]bool, workers int) error {
	var jobs []*job
	for _, f := range files {
		seen[f.rel] = true
		if want[f.rel] == nil {
			r.add(KindExtra, f.rel, "in the model directory, not signed (%d bytes)", f.size)
			continue
		}
		jobs = append(jobs, &job{e: f, end: -1})
	}
	if err := hashAll(ctx, jobs, workers); err != nil {
		return err
	}
	for _, j := range jobs {
		switch w := want[j.e.rel].digest; {
		case j.err != nil:
			r.add(KindUnreadable, j.e.rel, "%v", j.err)
		case j.digest != w:
			r.add(KindChanged, j.e.rel, "sha256 %s, signed %s", j.digest, w)
		}
	}
	return nil
}

// compareShards lays each file out in shards as the signature's shard size
// does, and hashes each shard.
func compareShards(ctx context.Context, r *Report, files []entry, want map[string]*expected, size int64, seen map[string]bool, workers int) error {
	var jobs []*job
	for _, f := range files {
		seen[f.rel] = true
		w := want[f.rel]
		if w == nil {
			if f.size > 0 { // the format lists no shard for an empty file
				r.add(KindExtra, f.rel, "in the model directory, not signed (%d bytes)", f.size)
			}
			continue
		}
		slices.SortFunc(w.shards, func(a, b shard) int { return cmp.Compare(a.start, b.start) })
		if signed := coverage(w.shards); signed != f.size || !contiguous(w.shards) {
			r.add(KindChanged, f.rel, "%d bytes, the signature covers %d bytes in %d shards", f.size, signed, len(w.shards))
			continue
		}
		for _, s := range w.shards {
			jobs = append(jobs, &job{e: f, start: s.start, end: s.end})
		}
	}
	if err := hashAll(ctx, jobs, workers); err != nil {
		return err
	}
	changed := map[string][]string{}
	var order []string
	for _, j := range jobs {
		w := want[j.e.rel]
		i, _ := slices.BinarySearchFunc(w.shards, j.start, func(s shard, t int64) int { return cmp.Compare(s.start, t) })
		switch {
		case j.err != nil:
			r.add(KindUnreadable, j.e.rel, "bytes %d-%d: %v", j.start, j.end, j.err)
		case j.n != j.end-j.start || j.digest != w.shards[i].digest:
			if changed[j.e.rel] == nil {
				order = append(order, j.e.rel)
			}
			changed[j.e.rel] = append(changed[j.e.rel], fmt.Sprintf("%d-%d", j.start, j.end))
		}
	}
	for _, p := range order {
		rs := changed[p]
		more := ""
		if len(rs) > 8 {
			more = fmt.Sprintf(" and %d more", len(rs)-8)
			rs = rs[:8]
		}
		r.add(KindChanged, p, "shards at bytes %s%s differ from the signature", strings.Join(rs, ", "), more)
	}
	return nil
}

func coverage(ss []shard) int64 {
	if len(ss) == 0 {
		return 0
	}
	return ss[len(ss)-1].end
}

func contiguous(ss []shard) bool {
	var at int64
	for _, s := range ss {
		if s.start != at {
			return false
		}
		at = s.end
	}
	return true
}
