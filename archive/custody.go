package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/archive/internal/durable"
	"github.com/custodyhq/custody/schemas"
)

// CustodyEntry is one link of the custody chain in custody.jsonl. Each line
// of the file is a DSSE envelope (payload type MediaTypeCustodyEntry) whose
// payload is an entry, signed by the entry's actor.
type CustodyEntry struct {
	Seq            int64     `json:"seq"`
	Time           time.Time `json:"time"`
	Actor          string    `json:"actor"`
	Action         string    `json:"action"` // sealed, handoff
	To             string    `json:"to,omitempty"`
	ManifestSHA256 string    `json:"manifest_sha256"`
	PrevSHA256     string    `json:"prev_sha256"` // sha256 of the previous line, "" for entry 0
	Note           string    `json:"note,omitempty"`
	KeyHint        string    `json:"key_hint"`
	PublicKey      string    `json:"public_key"` // PEM of the signing key's public half
}

// CustodyLink is a parsed line of custody.jsonl.
type CustodyLink struct {
	Entry  CustodyEntry
	SHA256 string // of the line without its newline: the next entry's prev_sha256
	Err    error  // why this link does not hold, nil if it does
}

// ErrCustodyChain is wrapped by every custody chain failure.
var ErrCustodyChain = errors.New("custody chain")

// MaxCustodyLine bounds one line of custody.jsonl.
const MaxCustodyLine = 1 << 20

// SignCustodyEntry returns one line of custody.jsonl (without its newline):
// e, with the signer's key hint and public key filled in, in a DSSE
// envelope signed by s.
func SignCustodyEntry(s signature.Signer, e CustodyEntry) ([]byte, error) {
	pub, err := s.PublicKey()
	if err != nil {
		return nil, fmt.Errorf("archive: custody entry: %w", err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	return signEntry(s, pub, hint, e)
}

func signEntry(s signature.Signer, pub crypto.PublicKey, hint string, e CustodyEntry) ([]byte, error) {
	pem, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		return nil, fmt.Errorf("archive: custody entry: %w", err)
	}
	e.KeyHint, e.PublicKey = hint, string(pem)
	e.Time = e.Time.UTC()
	payload, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	env, err := signEnvelope(s, hint, schemas.MediaTypeCustodyEntry, payload)
	if err != nil {
		return nil, err
	}
	return json.Marshal(env)
}

// CheckCustody reads custody.jsonl and checks every link: entry 0 is the
// sealing entry signed by the bundle key (sealKey; nil skips that check),
// every later entry is signed by the key it names, seq counts up from 0,
// prev_sha256 links each line to the one before, and every entry names the
// manifest digest. It returns every link (with its own Err) and the head:
// the sha256 of the last line.
func CheckCustody(data []byte, manifestSHA256 string, sealKey signature.Verifier) (links []CustodyLink, head string, err error) {
	if len(data) == 0 {
		return nil, "", fmt.Errorf("%w: empty", ErrCustodyChain)
	}
	if data[len(data)-1] != '\n' {
		return nil, "", fmt.Errorf("%w: last line not terminated", ErrCustodyChain)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), MaxCustodyLine)
	prev := ""
	for i := int64(0); sc.Scan(); i++ {
		line := sc.Bytes()
		l := CustodyLink{SHA256: hashing.Bytes(line)}
		l.Entry, l.Err = checkLink(line, i, prev, manifestSHA256, sealKey)
		links = append(links, l)
		prev = l.SHA256
	}
	if err := sc.Err(); err != nil {
		return links, "", fmt.Errorf("%w: %v", ErrCustodyChain, err)
	}
	return links, prev, nil
}

func checkLink(line []byte, seq int64, prev, manifestSHA256 string, sealKey signature.Verifier) (CustodyEntry, error) {
	var e CustodyEntry
	var env Envelope
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return e, fmt.Errorf("%w: entry %d: %v", ErrCustodyChain, seq, err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return e, fmt.Errorf("%w: entry %d: payload: %v", ErrCustodyChain, seq, err)
	}
	if err := json.Unmarshal(payload, &e); err != nil {
		return e, fmt.Errorf("%w: entry %d: %v", ErrCustodyChain, seq, err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey([]byte(e.PublicKey))
	if err != nil {
		return e, fmt.Errorf("%w: entry %d: public key: %v", ErrCustodyChain, seq, err)
	}
	if h, err := KeyHint(pub); err != nil || h != e.KeyHint {
		return e, fmt.Errorf("%w: entry %d: key hint %s does not match its public key", ErrCustodyChain, seq, e.KeyHint)
	}
	v, err := VerifierFor(pub)
	if err != nil {
		return e, fmt.Errorf("%w: entry %d: %v", ErrCustodyChain, seq, err)
	}
	if seq == 0 && sealKey != nil {
		sp, err := sealKey.PublicKey()
		if err != nil {
			return e, fmt.Errorf("%w: entry 0: %v", ErrCustodyChain, err)
		}
		if cryptoutils.EqualKeys(sp, pub) != nil {
			return e, fmt.Errorf("%w: entry 0 is not signed by the bundle key", ErrCustodyChain)
		}
		v = sealKey
	}
	if _, err := verifyEnvelope(&env, v, schemas.MediaTypeCustodyEntry); err != nil {
		return e, fmt.Errorf("%w: entry %d: %v", ErrCustodyChain, seq, err)
	}
	switch {
	case e.Seq != seq:
		return e, fmt.Errorf("%w: entry %d has seq %d", ErrCustodyChain, seq, e.Seq)
	case e.PrevSHA256 != prev:
		return e, fmt.Errorf("%w: entry %d: prev_sha256 %s, want %s", ErrCustodyChain, seq, e.PrevSHA256, prev)
	case e.ManifestSHA256 != manifestSHA256:
		return e, fmt.Errorf("%w: entry %d names manifest %s, want %s", ErrCustodyChain, seq, e.ManifestSHA256, manifestSHA256)
	case seq == 0 && e.Action != sealedActionName:
		return e, fmt.Errorf("%w: entry 0 action %q, want %q", ErrCustodyChain, e.Action, sealedActionName)
	}
	return e, nil
}

// HandoffOptions are the optional parts of a handoff entry.
type HandoffOptions struct {
	Actor string           // who hands over; "" = "key:<hint>"
	Now   func() time.Time // nil = time.Now
}

// Handoff appends a custody entry to a bundle directory: the current holder
// (signer) hands the bundle to `to`. It checks the existing chain first and
// refuses to extend a broken one. It returns the new head, the sha256 of the
// new line: the recipient's receipt, to be given to Verify as ExpectHead.
func Handoff(ctx context.Context, bundlePath string, to string, signer signature.Signer, note string) (head string, err error) {
	return HandoffWith(ctx, bundlePath, to, signer, note, HandoffOptions{})
}

// HandoffWith is Handoff with options.
func HandoffWith(ctx context.Context, bundlePath, to string, signer signature.Signer, note string, o HandoffOptions) (string, error) {
	st, err := os.Lstat(bundlePath)
	if err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("archive: handoff: %s is not a bundle directory", bundlePath)
	}
	mb, err := os.ReadFile(filepath.Join(bundlePath, ManifestName))
	if err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	if _, err := ParseManifest(mb); err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	cpath := filepath.Join(bundlePath, CustodyName)
	data, err := os.ReadFile(cpath)
	if err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	msha := hashing.Bytes(mb)
	links, prev, err := CheckCustody(data, msha, nil)
	if err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	for _, l := range links {
		if l.Err != nil {
			return "", fmt.Errorf("archive: handoff: refusing to extend a broken chain: %w", l.Err)
		}
	}
	pub, err := signer.PublicKey()
	if err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return "", err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	actor := o.Actor
	if actor == "" {
		actor = "key:" + hint
	}
	e := CustodyEntry{
		Seq: int64(len(links)), Time: now(), Actor: actor, Action: "handoff", To: to,
		ManifestSHA256: msha, PrevSHA256: prev, Note: note,
	}
	line, err := signEntry(signer, pub, hint, e)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	out := append(bytes.Clone(data), line...)
	out = append(out, '\n')
	if err := durable.WriteFile(cpath, out, 0o644); err != nil {
		return "", fmt.Errorf("archive: handoff: %w", err)
	}
	return hashing.Bytes(line), nil
}
