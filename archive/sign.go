package archive

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive/hashing"
)

// Media and statement types of the signature file.
const (
	SigstoreBundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	InTotoPayloadType       = "application/vnd.in-toto+json"
	StatementType           = "https://in-toto.io/Statement/v1"
	// PredicateType names the predicate of a custody bundle statement.
	PredicateType = "https://github.com/custodyhq/custody/blob/main/schemas/BUNDLE.md#predicate-v1"
)

// ErrBadSignature is wrapped by every signature verification failure.
var ErrBadSignature = errors.New("bad signature")

// Statement is the in-toto Statement v1 that manifest.sigstore.json signs.
type Statement struct {
	Type          string    `json:"_type"`
	Subject       []Subject `json:"subject"`
	PredicateType string    `json:"predicateType"`
	Predicate     Predicate `json:"predicate"`
}

// Subject is one signed file.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Predicate binds the statement to the manifest by digest.
type Predicate struct {
	FormatVersion  int       `json:"format_version"`
	MediaType      string    `json:"media_type"`
	Case           string    `json:"case"`
	Sealed         time.Time `json:"sealed"`
	ManifestSHA256 string    `json:"manifest_sha256"`
	ManifestSize   int64     `json:"manifest_size"`
}

// Envelope is a DSSE envelope.
type Envelope struct {
	PayloadType string        `json:"payloadType"`
	Payload     string        `json:"payload"` // standard base64
	Signatures  []EnvelopeSig `json:"signatures"`
}

// EnvelopeSig is one DSSE signature.
type EnvelopeSig struct {
	KeyID string `json:"keyid,omitempty"`
	Sig   string `json:"sig"` // standard base64
}

// sigstoreBundle is the subset of the Sigstore bundle v0.3 JSON that custody
// writes: a public key hint and a DSSE envelope, no transparency log entries
// and no timestamps.
type sigstoreBundle struct {
	MediaType            string               `json:"mediaType"`
	VerificationMaterial verificationMaterial `json:"verificationMaterial"`
	DSSEEnvelope         *Envelope            `json:"dsseEnvelope"`
}

type verificationMaterial struct {
	PublicKey   *publicKeyID `json:"publicKey"`
	TlogEntries []struct{}   `json:"tlogEntries"`
}

type publicKeyID struct {
	Hint string `json:"hint"`
}

// PAE is DSSE's pre-authentication encoding of a payload: what is signed.
func PAE(payloadType string, payload []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(payloadType) + len(payload) + 32)
	b.WriteString("DSSEv1 ")
	b.WriteString(strconv.Itoa(len(payloadType)))
	b.WriteByte(' ')
	b.WriteString(payloadType)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(payload)))
	b.WriteByte(' ')
	b.Write(payload)
	return b.Bytes()
}

// KeyHint is the hex sha256 of a public key's PKIX DER encoding.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		return "", fmt.Errorf("archive: key hint: %w", err)
	}
	return hashing.Bytes(der), nil
}

// KeyAlgorithm names a public key's algorithm as the manifest records it.
func KeyAlgorithm(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa-" + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "ed25519"
	case *rsa.PublicKey:
		return "rsa-" + strconv.Itoa(k.Size()*8)
	}
	return fmt.Sprintf("%T", pub)
}

// signEnvelope signs payload in a DSSE envelope. The signer signs the
// message (the PAE), never a bare digest.
func signEnvelope(s signature.Signer, keyID, payloadType string, payload []byte) (*Envelope, error) {
	sig, err := s.SignMessage(bytes.NewReader(PAE(payloadType, payload)))
	if err != nil {
		return nil, fmt.Errorf("archive: sign: %w", err)
	}
	return &Envelope{
		PayloadType: payloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []EnvelopeSig{{KeyID: keyID, Sig: base64.StdEncoding.EncodeToString(sig)}},
	}, nil
}

// verifyEnvelope checks an envelope's single signature and returns its
// payload.
func verifyEnvelope(env *Envelope, v signature.Verifier, payloadType string) ([]byte, error) {
	if env.PayloadType != payloadType {
		return nil, fmt.Errorf("%w: payload type %q, want %q", ErrBadSignature, env.PayloadType, payloadType)
	}
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("%w: %d signatures, want 1", ErrBadSignature, len(env.Signatures))
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrBadSignature, err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signatures[0].Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: signature encoding: %v", ErrBadSignature, err)
	}
	if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(PAE(env.PayloadType, payload))); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return payload, nil
}

// SignStatement returns manifest.sigstore.json for a statement, signed by s.
func SignStatement(s signature.Signer, st *Statement) ([]byte, error) {
	pub, err := s.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("archive: sign: %w", err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	return signStatement(s, hint, st)
}

// signStatement returns manifest.sigstore.json for a statement.
func signStatement(s signature.Signer, hint string, st *Statement) ([]byte, error) {
	payload, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("archive: marshal statement: %w", err)
	}
	// No keyid in the envelope: DSSE verifiers (go-securesystemslib, used by
	// sigstore-go and cosign) compute their own key ids and skip a signature
	// whose keyid differs. The key is named by verificationMaterial's hint.
	env, err := signEnvelope(s, "", InTotoPayloadType, payload)
	if err != nil {
		return nil, err
	}
	b := sigstoreBundle{
		MediaType:            SigstoreBundleMediaType,
		VerificationMaterial: verificationMaterial{PublicKey: &publicKeyID{Hint: hint}, TlogEntries: []struct{}{}},
		DSSEEnvelope:         env,
	}
	out, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// SignatureInfo is what manifest.sigstore.json says before its signature is
// checked.
type SignatureInfo struct {
	Hint     string
	Envelope *Envelope
}

// ParseSignature parses manifest.sigstore.json.
func ParseSignature(b []byte) (*SignatureInfo, error) {
	var sb sigstoreBundle
	if err := json.Unmarshal(b, &sb); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	if sb.MediaType != SigstoreBundleMediaType {
		return nil, fmt.Errorf("%w: media type %q", ErrBadSignature, sb.MediaType)
	}
	if sb.DSSEEnvelope == nil {
		return nil, fmt.Errorf("%w: no DSSE envelope", ErrBadSignature)
	}
	si := &SignatureInfo{Envelope: sb.DSSEEnvelope}
	if sb.VerificationMaterial.PublicKey != nil {
		si.Hint = sb.VerificationMaterial.PublicKey.Hint
	}
	return si, nil
}

// VerifySignature checks manifest.sigstore.json with v and returns the signed
// statement. Failures wrap ErrBadSignature.
func VerifySignature(b []byte, v signature.Verifier) (*Statement, error) {
	si, err := ParseSignature(b)
	if err != nil {
		return nil, err
	}
	payload, err := verifyEnvelope(si.Envelope, v, InTotoPayloadType)
	if err != nil {
		return nil, err
	}
	return parseStatement(payload)
}

// UnverifiedStatement returns the statement in manifest.sigstore.json
// without checking its signature, for reports that say so.
func UnverifiedStatement(b []byte) (*Statement, error) {
	si, err := ParseSignature(b)
	if err != nil {
		return nil, err
	}
	payload, err := base64.StdEncoding.DecodeString(si.Envelope.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrBadSignature, err)
	}
	return parseStatement(payload)
}

func parseStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: statement: %v", ErrBadSignature, err)
	}
	if st.Type != StatementType || st.PredicateType != PredicateType {
		return nil, fmt.Errorf("%w: statement type %q, predicate type %q", ErrBadSignature, st.Type, st.PredicateType)
	}
	return &st, nil
}
