package modelsig

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive"
)

// SignOptions configure Sign.
type SignOptions struct {
	Signer signature.Signer
	// Ignore are further paths, relative to the model directory, to leave
	// out of the signature (with everything under them).
	Ignore []string
	// AllowSymlinks signs symbolic links to regular files as the files they
	// point to; without it a symbolic link is an error.
	AllowSymlinks bool
	// SignaturePath is where the signature will be written. When it lies
	// inside the model directory it is ignored.
	SignaturePath string
	// Workers bound the files hashed at once (GOMAXPROCS when 0).
	Workers int
}

// Sign hashes every file of the model directory dir and returns a model
// signature (a Sigstore bundle, JSON) over them and the statement it signs.
func Sign(ctx context.Context, dir string, o SignOptions) ([]byte, *Statement, error) {
	if o.Signer == nil {
		return nil, nil, errors.New("modelsig: no signer")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("modelsig: %w", err)
	}
	ignore := slices.Clone(DefaultIgnore)
	for _, p := range o.Ignore {
		p = path.Clean(filepath.ToSlash(p))
		if err := checkRelPath(p); err != nil {
			return nil, nil, fmt.Errorf("modelsig: ignore %q: %v", p, err)
		}
		ignore = append(ignore, p)
	}
	if rel, ok := inside(root, o.SignaturePath); ok {
		ignore = append(ignore, rel)
	}
	slices.Sort(ignore)
	ignore = slices.Compact(ignore)

	files, probs, err := scan(root, o.AllowSymlinks, ignore)
	if err != nil {
		return nil, nil, fmt.Errorf("modelsig: %w", err)
	}
	if len(probs) > 0 {
		errs := make([]error, 0, len(probs))
		for _, p := range probs {
			errs = append(errs, errors.New(p.String()))
		}
		return nil, nil, fmt.Errorf("modelsig: cannot sign %s: %w", dir, errors.Join(errs...))
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("modelsig: %s holds no regular files to sign", dir)
	}
	jobs := make([]*job, len(files))
	for i, f := range files {
		jobs[i] = &job{e: f, end: -1}
	}
	if err := hashAll(ctx, jobs, o.Workers); err != nil {
		return nil, nil, err
	}
	rs := make([]Resource, len(jobs))
	for i, j := range jobs {
		if j.err != nil {
			return nil, nil, fmt.Errorf("modelsig: hash %s: %w", j.e.rel, j.err)
		}
		rs[i] = Resource{Name: j.e.rel, Algorithm: HashSHA256, Digest: j.digest}
	}
	ser := Serialization{Method: MethodFiles, HashType: HashSHA256, AllowSymlinks: o.AllowSymlinks, IgnorePaths: ignore}
	st, err := newStatement(filepath.Base(root), ser, rs)
	if err != nil {
		return nil, nil, fmt.Errorf("modelsig: %w", err)
	}
	b, err := signStatement(o.Signer, st)
	if err != nil {
		return nil, nil, err
	}
	return b, st, nil
}

// signStatement wraps a statement in a DSSE envelope signed by s, in a
// Sigstore bundle naming the key by its model_signing hint.
func signStatement(s signature.Signer, st *Statement) ([]byte, error) {
	payload, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("modelsig: marshal statement: %w", err)
	}
	pub, err := s.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("modelsig: sign: %w", err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	sig, err := s.SignMessage(bytes.NewReader(archive.PAE(archive.InTotoPayloadType, payload)))
	if err != nil {
		return nil, fmt.Errorf("modelsig: sign: %w", err)
	}
	return marshalBundle(&bundle{
		MediaType:            archive.SigstoreBundleMediaType,
		VerificationMaterial: verificationMaterial{PublicKey: &publicKey{Hint: hint}, TlogEntries: []struct{}{}},
		DSSEEnvelope: &envelope{
			PayloadType: archive.InTotoPayloadType,
			Payload:     base64.StdEncoding.EncodeToString(payload),
			Signatures:  []envelopeSig{{Sig: base64.StdEncoding.EncodeToString(sig)}},
		},
	})
}

// inside returns p relative to root, as a POSIX path, when p lies inside
// root.
func inside(root, p string) (string, bool) {
	if p == "" {
		return "", false
	}
	ap, err := filepath.Abs(p)
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(root, ap)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}
