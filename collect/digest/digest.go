// Package digest validates CloudTrail log files against the signed, chained
// digest files CloudTrail delivers beside them, as `aws cloudtrail
// validate-logs` does: each digest's SHA256withRSA signature with the
// public key ListPublicKeys names by fingerprint, the chain of previous
// digests, and the SHA-256 of each log file a digest lists.
package digest

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// LogFile is one log file a digest lists.
type LogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"` // hex SHA-256 of the uncompressed log file
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

// File is a digest file's content, as CloudTrail documents it.
type File struct {
	AWSAccountID                string    `json:"awsAccountId"`
	DigestStartTime             string    `json:"digestStartTime"`
	DigestEndTime               string    `json:"digestEndTime"`
	DigestS3Bucket              string    `json:"digestS3Bucket"`
	DigestS3Object              string    `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string    `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string    `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string   `json:"newestEventTime"`
	OldestEventTime             *string   `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string   `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string   `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string   `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string   `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string   `json:"previousDigestSignature"`
	LogFiles                    []LogFile `json:"logFiles"`
}

// Digest is one digest file as delivered: its uncompressed content, and
// the signature S3 holds in its metadata (x-amz-meta-signature, hex).
type Digest struct {
	Bucket, Key string // where it was read from
	File        File
	SHA256      string // hex SHA-256 of the uncompressed content
	Signature   string // hex, from the object metadata
	SigAlgo     string // x-amz-meta-signature-algorithm
}

// Parse reads an uncompressed digest file. bucket and key say where it was
// delivered; for files on disk they come from the file itself.
func Parse(content []byte, signature, sigAlgo string) (*Digest, error) {
	var f File
	if err := json.Unmarshal(content, &f); err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if f.DigestS3Object == "" || f.DigestEndTime == "" {
		return nil, errors.New("digest: not a CloudTrail digest file: no digestS3Object or digestEndTime")
	}
	sum := sha256.Sum256(content)
	return &Digest{
		Bucket: f.DigestS3Bucket, Key: f.DigestS3Object, File: f,
		SHA256: hex.EncodeToString(sum[:]), Signature: signature, SigAlgo: sigAlgo,
	}, nil
}

// IsDigest reports whether uncompressed JSON content looks like a digest
// file, by its fields.
func IsDigest(content []byte) bool {
	var probe struct {
		Obj *string `json:"digestS3Object"`
		End *string `json:"digestEndTime"`
		Fp  *string `json:"digestPublicKeyFingerprint"`
	}
	if json.Unmarshal(content, &probe) != nil {
		return false
	}
	return probe.Obj != nil && probe.End != nil && probe.Fp != nil
}

// SigningString is what CloudTrail signs: the digest end time, the digest's
// S3 path, the hex SHA-256 of its uncompressed content, and the previous
// digest's signature ("null" for the first digest of a chain).
func (d *Digest) SigningString() string {
	prev := "null"
	if d.File.PreviousDigestSignature != nil && *d.File.PreviousDigestSignature != "" {
		prev = *d.File.PreviousDigestSignature
	}
	return d.File.DigestEndTime + "\n" + d.File.DigestS3Bucket + "/" + d.File.DigestS3Object + "\n" + d.SHA256 + "\n" + prev
}

// Check names what failed in a validation.
type Check string

const (
	CheckNone          Check = ""
	CheckNoSignature   Check = "no-signature"    // the object carries no signature metadata
	CheckAlgorithm     Check = "algorithm"       // not SHA256withRSA
	CheckNoKey         Check = "no-public-key"   // no public key with the digest's fingerprint
	CheckSignature     Check = "signature"       // the signature does not verify
	CheckLocation      Check = "location"        // the digest names another bucket or key than it was read from
	CheckChainHash     Check = "chain-hash"      // the previous digest's content is not what this digest says
	CheckChainSig      Check = "chain-signature" // the previous digest's signature is not what this digest says
	CheckChainMissing  Check = "chain-missing"   // the previous digest it names does not exist
	CheckHash          Check = "hash"            // a log file's SHA-256 is not the digest's
	CheckDigestInvalid Check = "digest-invalid"  // listed only by a digest that failed its own checks
	CheckMissing       Check = "missing"         // listed by a digest, absent from the bucket
)

// VerifySignature checks the digest's signature with the key of its
// fingerprint.
func (d *Digest) VerifySignature(keys Keys) (Check, error) {
	if d.Signature == "" {
		return CheckNoSignature, errors.New("digest: no signature in the object metadata")
	}
	algo := d.SigAlgo
	if algo == "" {
		algo = d.File.DigestSignatureAlgorithm
	}
	if algo != "SHA256withRSA" {
		return CheckAlgorithm, fmt.Errorf("digest: signature algorithm %q", algo)
	}
	k, ok := keys.find(d.File.DigestPublicKeyFingerprint)
	if !ok {
		return CheckNoKey, fmt.Errorf("digest: no public key with fingerprint %s", d.File.DigestPublicKeyFingerprint)
	}
	sig, err := hex.DecodeString(d.Signature)
	if err != nil {
		return CheckSignature, fmt.Errorf("digest: signature is not hex: %w", err)
	}
	h := sha256.Sum256([]byte(d.SigningString()))
	if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig); err != nil {
		return CheckSignature, fmt.Errorf("digest: signature of %s/%s: %w", d.File.DigestS3Bucket, d.File.DigestS3Object, err)
	}
	return CheckNone, nil
}

// PublicKey is one entry of ListPublicKeys.
type PublicKey struct {
	Value             []byte    `json:"Value"` // DER, PKCS #1 RSA public key
	ValidityStartTime time.Time `json:"-"`
	ValidityEndTime   time.Time `json:"-"`
	Fingerprint       string    `json:"Fingerprint"`
}

// Keys are the public keys digests may be signed with.
type Keys []PublicKey

func (ks Keys) find(fp string) (*rsa.PublicKey, bool) {
	for _, k := range ks {
		if k.Fingerprint != fp {
			continue
		}
		if pub, err := x509.ParsePKCS1PublicKey(k.Value); err == nil {
			return pub, true
		}
		if p, err := x509.ParsePKIXPublicKey(k.Value); err == nil {
			if pub, ok := p.(*rsa.PublicKey); ok {
				return pub, true
			}
		}
	}
	return nil, false
}

// ParseKeys reads the JSON `aws cloudtrail list-public-keys` prints:
// {"PublicKeyList":[{"Value":base64,"ValidityStartTime":…,"ValidityEndTime":…,"Fingerprint":hex}]}.
// Times may be ISO 8601 strings or epoch seconds.
func ParseKeys(b []byte) (Keys, error) {
	var doc struct {
		PublicKeyList []struct {
			Value             []byte
			Fingerprint       string
			ValidityStartTime json.RawMessage
			ValidityEndTime   json.RawMessage
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("digest: public keys: %w", err)
	}
	if doc.PublicKeyList == nil {
		return nil, errors.New("digest: public keys: no PublicKeyList")
	}
	var ks Keys
	for _, k := range doc.PublicKeyList {
		ks = append(ks, PublicKey{Value: k.Value, Fingerprint: k.Fingerprint,
			ValidityStartTime: looseTime(k.ValidityStartTime), ValidityEndTime: looseTime(k.ValidityEndTime)})
	}
	return ks, nil
}

func looseTime(m json.RawMessage) time.Time {
	var s string
	if json.Unmarshal(m, &s) == nil {
		t, _ := time.Parse(time.RFC3339, s)
		return t.UTC()
	}
	var f float64
	if json.Unmarshal(m, &f) == nil {
		return time.UnixMilli(int64(f * 1000)).UTC()
	}
	return time.Time{}
}
