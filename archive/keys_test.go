package archive_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/archive/archivetest"
	"github.com/custodyhq/custody/verify"
)

func TestKeysRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, algo := range []string{"", "ed25519", "rsa"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			key, err := archive.GenerateKey(algo)
			if err != nil {
				t.Fatal(err)
			}
			for _, pass := range []string{"", "correct horse"} {
				dir := t.TempDir()
				priv, pub := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
				if err := archive.WriteKeyPair(priv, pub, key, []byte(pass)); err != nil {
					t.Fatal(err)
				}
				if err := archive.WriteKeyPair(priv, pub, key, nil); !errors.Is(err, os.ErrExist) {
					t.Errorf("WriteKeyPair over existing files: %v", err)
				}
				if st, _ := os.Stat(priv); st.Mode().Perm() != 0o600 {
					t.Errorf("private key mode %v", st.Mode())
				}
				signer, _, err := archive.LoadSigner(ctx, priv, func() ([]byte, error) { return []byte(pass), nil })
				if err != nil {
					t.Fatal(err)
				}
				if pass != "" {
					if _, _, err := archive.LoadSigner(ctx, priv, func() ([]byte, error) { return []byte("wrong"), nil }); err == nil {
						t.Error("wrong passphrase accepted")
					}
					if b, _ := os.ReadFile(priv); !strings.Contains(string(b), "ENCRYPTED SIGSTORE PRIVATE KEY") {
						t.Error("private key not encrypted")
					}
				} else if _, err := archive.LoadVerifier(priv); err != nil {
					t.Errorf("public half of an unencrypted private key: %v", err)
				}
				v, err := archive.LoadVerifier(pub)
				if err != nil {
					t.Fatal(err)
				}
				msg := []byte("custody " + algo + pass)
				sig, err := signer.SignMessage(bytes.NewReader(msg))
				if err != nil {
					t.Fatal(err)
				}
				if err := v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)); err != nil {
					t.Errorf("signature does not verify with the written public key: %v", err)
				}
			}
			if algo != "" {
				return
			}
			// A whole bundle with the default key type.
			signer, err := archive.SignerFor(key)
			if err != nil {
				t.Fatal(err)
			}
			v, err := archive.VerifierFor(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			b := filepath.Join(t.TempDir(), "bundle")
			archivetest.Build(t, b, archivetest.Options{Signer: signer, Scale: 1})
			r, err := verify.Verify(ctx, b, verify.Options{Verifier: v})
			if err != nil || !r.OK {
				t.Fatalf("verify: %v %v", err, r.Problems)
			}
		})
	}
	if _, err := archive.GenerateKey("dsa"); err == nil {
		t.Error("unknown algorithm accepted")
	}
}

// kmsServer speaks the KMS JSON 1.1 protocol for one ECDSA P-256 key:
// DescribeKey, GetPublicKey and Sign of a digest.
func kmsServer(t *testing.T, key *ecdsa.PrivateKey) *httptest.Server {
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]any{"KeyId": "k1", "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "SigningAlgorithms": []string{"ECDSA_SHA_256"}, "Enabled": true}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			KeyId       string
			Message     []byte
			MessageType string
		}
		json.NewDecoder(r.Body).Decode(&in)
		var out any
		switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "TrentService."); op {
		case "DescribeKey":
			out = map[string]any{"KeyMetadata": meta}
		case "GetPublicKey":
			out = map[string]any{"KeyId": "k1", "PublicKey": der, "KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "SigningAlgorithms": []string{"ECDSA_SHA_256"}}
		case "Sign":
			if in.MessageType != "DIGEST" || len(in.Message) != sha256.Size {
				http.Error(w, `{"__type":"ValidationException"}`, 400)
				return
			}
			sig, err := ecdsa.SignASN1(rand.Reader, key, in.Message)
			if err != nil {
				t.Error(err)
			}
			out = map[string]any{"KeyId": "k1", "Signature": sig, "SigningAlgorithm": "ECDSA_SHA_256"}
		default:
			http.Error(w, `{"__type":"UnknownOperationException"}`, 400)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		json.NewEncoder(w).Encode(out)
	}))
}

func TestLoadSignerKMS(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srv := kmsServer(t, key)
	defer srv.Close()
	ctx := context.Background()
	signer, pub, err := archive.LoadSigner(ctx, "awskms:///alias/custody", nil, config.WithBaseEndpoint(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(pub) {
		t.Fatal("KMS public key differs")
	}
	dir := filepath.Join(t.TempDir(), "b")
	archivetest.Build(t, dir, archivetest.Options{Signer: signer, Scale: 1})
	v, err := archive.VerifierFor(pub)
	if err != nil {
		t.Fatal(err)
	}
	r, err := verify.Verify(ctx, dir, verify.Options{Verifier: v})
	if err != nil || !r.OK {
		t.Fatalf("verify: %v %v", err, r.Problems)
	}
}
