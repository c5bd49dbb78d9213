// Package modelsig signs and verifies model directories in the OpenSSF
// model-signing format (the model_signing v1.0 predicate): a Sigstore bundle
// whose DSSE envelope carries an in-toto statement listing a digest for
// every file (or every shard of every file) of the model.
//
// The statement, as the format publishes it:
//
//	subject:       [{name: <model directory name>, digest: {sha256: <root>}}]
//	predicateType: https://model_signing/signature/v1.0
//	predicate:
//	  serialization: {method: files|shards, hash_type: sha256,
//	                  allow_symlinks: bool, ignore_paths: [...], shard_size: n}
//	  resources:     [{name, algorithm, digest}, ...]
//
// Resource names are POSIX paths relative to the model directory ("d0/f00"),
// or "path:start:end" for shards, sorted by path components then offsets.
// The root digest is the sha256 of the raw resource digests concatenated in
// the order the resources are listed.
package modelsig

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sigstore/sigstore/pkg/cryptoutils"

	"github.com/custodyhq/custody/archive"
)

// Format constants.
const (
	PredicateType = "https://model_signing/signature/v1.0"
	// PredicateTypeV01 is the experimental format written before v1.0.
	PredicateTypeV01 = "https://model_signing/Digests/v0.1"

	MethodFiles  = "files"
	MethodShards = "shards"
	HashSHA256   = "sha256"

	// DefaultSignatureName is where sign-model writes by default, inside
	// the model directory.
	DefaultSignatureName = "model.sig"
)

// DefaultIgnore are the paths the format's hashing ignores unless told
// otherwise, on signing and on verifying.
var DefaultIgnore = []string{".git", ".gitattributes", ".github", ".gitignore"}

// Statement is the in-toto statement of a model signature.
type Statement struct {
	Type          string            `json:"_type"`
	Subject       []archive.Subject `json:"subject"`
	PredicateType string            `json:"predicateType"`
	Predicate     Predicate         `json:"predicate"`
}

// Predicate is the model_signing v1.0 predicate. Verifiers ignore other
// fields.
type Predicate struct {
	Serialization Serialization `json:"serialization"`
	Resources     []Resource    `json:"resources"`
}

// Serialization says how the model was turned into resources.
type Serialization struct {
	Method        string   `json:"method"`
	HashType      string   `json:"hash_type"`
	AllowSymlinks bool     `json:"allow_symlinks"`
	IgnorePaths   []string `json:"ignore_paths,omitempty"`
	// ShardSize is a JSON number: the format's own test data writes 8.0.
	ShardSize *float64 `json:"shard_size,omitempty"`
}

// Resource is one file or shard and its digest.
type Resource struct {
	Name      string `json:"name"`
	Algorithm string `json:"algorithm"`
	Digest    string `json:"digest"`
}

// bundle is the Sigstore bundle v0.3 JSON of a model signature: a DSSE
// envelope and a public key, named by hint (what model_signing writes now)
// or carried as rawBytes (what its 1.0.x releases wrote).
type bundle struct {
	MediaType            string               `json:"mediaType"`
	VerificationMaterial verificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         *envelope            `json:"dsseEnvelope"`
}

// envelope is a DSSE envelope as model_signing writes it: every signature
// carries a keyid, empty (1.0.x releases wrote null).
type envelope struct {
	PayloadType string        `json:"payloadType"`
	Payload     string        `json:"payload"` // standard base64
	Signatures  []envelopeSig `json:"signatures"`
}

type envelopeSig struct {
	Sig   string `json:"sig"` // standard base64
	KeyID string `json:"keyid"`
}

type verificationMaterial struct {
	PublicKey   *publicKey `json:"publicKey,omitempty"`
	TlogEntries []struct{} `json:"tlogEntries"`
	// Set in signatures made with a certificate (Sigstore keyless, or a
	// PKI); read only to say so.
	Certificate          json.RawMessage `json:"certificate,omitempty"`
	X509CertificateChain json.RawMessage `json:"x509CertificateChain,omitempty"`
}

type publicKey struct {
	Hint       string `json:"hint,omitempty"`
	RawBytes   []byte `json:"rawBytes,omitempty"`
	KeyDetails string `json:"keyDetails,omitempty"`
}

// KeyHint is the hint model_signing records for a public key: the hex
// sha256 of its PEM SubjectPublicKeyInfo encoding.
func KeyHint(pub crypto.PublicKey) (string, error) {
	p, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		return "", fmt.Errorf("modelsig: key hint: %w", err)
	}
	s := sha256.Sum256(p)
	return hex.EncodeToString(s[:]), nil
}

// rootDigest is the subject digest: sha256 over the raw resource digests in
// the order given.
func rootDigest(rs []Resource) (string, error) {
	h := sha256.New()
	for _, r := range rs {
		b, err := hex.DecodeString(r.Digest)
		if err != nil || len(b) == 0 {
			return "", fmt.Errorf("resource %q: digest %q is not hex", r.Name, r.Digest)
		}
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// newStatement builds the statement for resources, which it sorts.
func newStatement(name string, ser Serialization, rs []Resource) (*Statement, error) {
	sortResources(rs)
	root, err := rootDigest(rs)
	if err != nil {
		return nil, err
	}
	return &Statement{
		Type:          archive.StatementType,
		Subject:       []archive.Subject{{Name: name, Digest: map[string]string{"sha256": root}}},
		PredicateType: PredicateType,
		Predicate:     Predicate{Serialization: ser, Resources: rs},
	}, nil
}

// sortResources orders resources as the format does: by path components,
// then by shard offsets.
func sortResources(rs []Resource) {
	keys := make(map[string]resourceKey, len(rs))
	for _, r := range rs {
		keys[r.Name] = keyOf(r.Name)
	}
	slices.SortFunc(rs, func(a, b Resource) int { return keys[a.Name].compare(keys[b.Name]) })
}

type resourceKey struct {
	parts      []string
	start, end int64
}

func keyOf(name string) resourceKey {
	if p, s, e, err := splitShard(name); err == nil {
		return resourceKey{strings.Split(p, "/"), s, e}
	}
	return resourceKey{parts: strings.Split(name, "/")}
}

func (a resourceKey) compare(b resourceKey) int {
	for i := 0; i < len(a.parts) && i < len(b.parts); i++ {
		if c := strings.Compare(a.parts[i], b.parts[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(a.parts) != len(b.parts):
		return len(a.parts) - len(b.parts)
	case a.start != b.start:
		return cmpInt(a.start, b.start)
	}
	return cmpInt(a.end, b.end)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// splitShard parses "path:start:end". Like the format's own parser it wants
// exactly three colon-separated parts.
func splitShard(name string) (path string, start, end int64, err error) {
	parts := strings.Split(name, ":")
	if len(parts) != 3 {
		return "", 0, 0, fmt.Errorf("shard %q: want path:start:end", name)
	}
	start, err1 := strconv.ParseInt(parts[1], 10, 64)
	end, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start {
		return "", 0, 0, fmt.Errorf("shard %q: bad offsets", name)
	}
	return parts[0], start, end, nil
}

// checkRelPath accepts a POSIX path relative to the model directory that
// stays inside it.
func checkRelPath(p string) error {
	switch {
	case p == "" || p == ".":
		return fmt.Errorf("empty path")
	case !utf8.ValidString(p):
		return fmt.Errorf("path is not UTF-8")
	case strings.HasPrefix(p, "/"):
		return fmt.Errorf("absolute path")
	case strings.ContainsRune(p, 0):
		return fmt.Errorf("path holds a NUL byte")
	}
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "..":
			return fmt.Errorf("path escapes the model directory")
		case "", ".":
			return fmt.Errorf("path is not canonical")
		}
	}
	return nil
}

// shardSize returns the serialization's shard size as an integer.
func (s Serialization) shardSize() (int64, error) {
	if s.ShardSize == nil {
		return 0, fmt.Errorf("shards serialization without shard_size")
	}
	f := *s.ShardSize
	if f <= 0 || f != math.Trunc(f) || f > 1<<53 {
		return 0, fmt.Errorf("shard_size %v is not a positive integer", f)
	}
	return int64(f), nil
}

// marshalBundle encodes a model signature bundle.
func marshalBundle(b *bundle) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
