package digest

import (
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// chain signs n hourly digests the way CloudTrail does, each listing one
// log file, and returns them with the key that verifies them.
func chain(t *testing.T, key *rsa.PrivateKey, n int) ([]*Digest, Keys) {
	t.Helper()
	der := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	fp := md5.Sum(der)
	fingerprint := hex.EncodeToString(fp[:])
	var out []*Digest
	var prev *Digest
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	for i := range n {
		end := start.Add(time.Duration(i+1) * time.Hour)
		f := File{
			AWSAccountID: "111122223333", DigestStartTime: end.Add(-time.Hour).Format(time.RFC3339), DigestEndTime: end.Format(time.RFC3339),
			DigestS3Bucket: "b", DigestS3Object: fmt.Sprintf("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/11/16/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_%s.json.gz", end.Format("20060102T150405Z")),
			DigestPublicKeyFingerprint: fingerprint, DigestSignatureAlgorithm: "SHA256withRSA",
			LogFiles: []LogFile{{S3Bucket: "b", S3Object: fmt.Sprintf("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/16/log%d.json.gz", i), HashValue: fmt.Sprintf("%064x", i), HashAlgorithm: "SHA-256"}},
		}
		if prev != nil {
			f.PreviousDigestS3Bucket, f.PreviousDigestS3Object = ptr("b"), ptr(prev.Key)
			f.PreviousDigestHashValue, f.PreviousDigestHashAlgorithm, f.PreviousDigestSignature = ptr(prev.SHA256), ptr("SHA-256"), ptr(prev.Signature)
		}
		body, _ := json.Marshal(f)
		d, err := Parse(body, "", "SHA256withRSA")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(d.SigningString()))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
		if err != nil {
			t.Fatal(err)
		}
		d.Signature = hex.EncodeToString(sig)
		out = append(out, d)
		prev = d
	}
	return out, Keys{{Value: der, Fingerprint: fingerprint}}
}

func ptr(s string) *string { return &s }

func checks(s *Set) map[string]Check {
	m := map[string]Check{}
	for _, r := range s.Digests() {
		m[r.Key] = r.Check
	}
	return m
}

func TestValidate(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ds, keys := chain(t, key, 6)

	t.Run("whole chain", func(t *testing.T) {
		s, err := Validate(keys, ds, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, c := range checks(s) {
			if c != CheckNone {
				t.Errorf("%s: %s", k, c)
			}
		}
		lf := ds[2].File.LogFiles[0]
		if r := s.LogFile("b", lf.S3Object, lf.HashValue); !r.Valid() || r.Status() != "valid" {
			t.Errorf("listed file: %+v", r)
		}
		if r := s.LogFile("b", lf.S3Object, fmt.Sprintf("%064x", 99)); r.Check != CheckHash || r.Status() != "invalid" {
			t.Errorf("changed file: %+v", r)
		}
		if r := s.LogFile("b", "AWSLogs/other.json.gz", "00"); r.Status() != "no-digest" {
			t.Errorf("unlisted file: %+v", r)
		}
		if r := s.LogFileByName("copy/"+lf.S3Object, lf.HashValue); !r.Valid() {
			t.Errorf("by name: %+v", r)
		}
	})
	t.Run("deleted digest breaks the chain", func(t *testing.T) {
		given := append(append([]*Digest{}, ds[:2]...), ds[3:]...)
		s, _ := Validate(keys, given, nil)
		c := checks(s)
		if c[ds[3].Key] != CheckChainMissing || c[ds[4].Key] != CheckNone || c[ds[1].Key] != CheckNone {
			t.Errorf("%v", c)
		}
		// The next digest still vouches for its own log file.
		lf := ds[3].File.LogFiles[0]
		if r := s.LogFile("b", lf.S3Object, lf.HashValue); !r.Valid() {
			t.Errorf("file of the digest after the gap: %+v", r)
		}
	})
	t.Run("given from the middle", func(t *testing.T) {
		s, _ := Validate(keys, ds[3:], nil)
		if c := checks(s); c[ds[3].Key] != CheckNone {
			t.Errorf("%v", c)
		}
	})
	t.Run("fetched previous is gone", func(t *testing.T) {
		s, _ := Validate(keys, ds[3:], func(b, k string) (*Digest, bool, error) { return nil, false, nil })
		if c := checks(s); c[ds[3].Key] != CheckChainMissing {
			t.Errorf("%v", c)
		}
	})
	t.Run("edited digest", func(t *testing.T) {
		edited := *ds[2]
		edited.SHA256 = fmt.Sprintf("%064x", 7) // its content changed
		given := []*Digest{ds[0], ds[1], &edited, ds[3]}
		s, _ := Validate(keys, given, nil)
		c := checks(s)
		if c[ds[2].Key] != CheckSignature || c[ds[3].Key] != CheckChainHash {
			t.Errorf("%v", c)
		}
		lf := ds[2].File.LogFiles[0]
		if r := s.LogFile("b", lf.S3Object, lf.HashValue); r.Check != CheckDigestInvalid {
			t.Errorf("file listed by a forged digest: %+v", r)
		}
	})
	t.Run("re-signed with another key", func(t *testing.T) {
		forged, _ := chain(t, other, 2)
		for _, d := range forged {
			d.File.DigestPublicKeyFingerprint = keys[0].Fingerprint
		}
		s, _ := Validate(keys, forged, nil)
		for k, c := range checks(s) {
			if c != CheckSignature {
				t.Errorf("%s: %s", k, c)
			}
		}
	})
	t.Run("unknown key, missing signature, wrong algorithm", func(t *testing.T) {
		a, b, c := *ds[0], *ds[1], *ds[2]
		a.File.DigestPublicKeyFingerprint = "00"
		b.Signature = ""
		c.SigAlgo = "SHA1withRSA"
		s, _ := Validate(keys, []*Digest{&a, &b, &c}, nil)
		got := checks(s)
		if got[a.Key] != CheckNoKey || got[b.Key] != CheckNoSignature || got[c.Key] != CheckAlgorithm {
			t.Errorf("%v", got)
		}
	})
}

func TestParseKeys(t *testing.T) {
	in := `{"PublicKeyList":[{"Value":"AAEC","ValidityStartTime":"2026-01-01T00:00:00+00:00","ValidityEndTime":1767225600.0,"Fingerprint":"ab"}]}`
	ks, err := ParseKeys([]byte(in))
	if err != nil || len(ks) != 1 || ks[0].Fingerprint != "ab" || len(ks[0].Value) != 3 || ks[0].ValidityStartTime.Year() != 2026 || ks[0].ValidityEndTime.IsZero() {
		t.Fatalf("%+v %v", ks, err)
	}
	if _, err := ParseKeys([]byte(`{"Events":[]}`)); err == nil {
		t.Fatal("keys from something else")
	}
}
