package archive

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	awskms "github.com/sigstore/sigstore/pkg/signature/kms/aws"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// GenerateKey makes a new signing key: "ecdsa-p256" (also ""), "ed25519" or
// "rsa" (3072 bits).
func GenerateKey(algo string) (crypto.Signer, error) {
	switch strings.ToLower(algo) {
	case "", "ecdsa-p256", "ecdsa", "p256":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	case "rsa", "rsa-3072":
		return rsa.GenerateKey(rand.Reader, 3072)
	}
	return nil, fmt.Errorf("archive: unknown key algorithm %q (want ecdsa-p256, ed25519 or rsa)", algo)
}

// WriteKeyPair writes key's private half to privPath (mode 0600) and its
// public half to pubPath, both PEM. With a passphrase the private key is
// encrypted the way sigstore encrypts keys (scrypt + secretbox, PEM type
// ENCRYPTED SIGSTORE PRIVATE KEY); with an empty one it is PKCS #8. Neither
// file may exist already.
func WriteKeyPair(privPath, pubPath string, key crypto.Signer, passphrase []byte) error {
	var privPEM []byte
	if len(passphrase) > 0 {
		der, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(key, cryptoutils.StaticPasswordFunc(passphrase))
		if err != nil {
			return fmt.Errorf("archive: encrypt private key: %w", err)
		}
		privPEM = pem.EncodeToMemory(&pem.Block{Type: string(cryptoutils.EncryptedSigstorePrivateKeyPEMType), Bytes: der})
	} else {
		var err error
		if privPEM, err = cryptoutils.MarshalPrivateKeyToPEM(key); err != nil {
			return fmt.Errorf("archive: marshal private key: %w", err)
		}
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(key.Public())
	if err != nil {
		return fmt.Errorf("archive: marshal public key: %w", err)
	}
	if err := writeNew(privPath, privPEM, 0o600); err != nil {
		return err
	}
	if err := writeNew(pubPath, pubPEM, 0o644); err != nil {
		os.Remove(privPath)
		return err
	}
	return nil
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("archive: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("archive: write %s: %w", path, err)
	}
	return nil
}

// LoadSigner loads a signing key: a PEM private key file (passphrase is
// asked only when the file is encrypted; it may be nil otherwise), or an AWS
// KMS key as awskms://[endpoint]/<key id, ARN or alias>, through sigstore's
// KMS signer with the default AWS configuration.
//
// kmsOpts adjust the AWS configuration of a KMS key, for example
// config.WithBaseEndpoint("http://127.0.0.1:4566") for an emulator: an
// endpoint inside the awskms:// reference is always reached over HTTPS.
func LoadSigner(ctx context.Context, ref string, passphrase func() ([]byte, error), kmsOpts ...func(*config.LoadOptions) error) (signature.Signer, crypto.PublicKey, error) {
	if strings.HasPrefix(ref, awskms.ReferenceScheme) {
		sv, err := awskms.LoadSignerVerifier(ctx, ref, kmsOpts...)
		if err != nil {
			return nil, nil, fmt.Errorf("archive: kms key %s: %w", ref, err)
		}
		pub, err := sv.PublicKey(options.WithContext(ctx))
		if err != nil {
			return nil, nil, fmt.Errorf("archive: kms key %s: public key: %w", ref, err)
		}
		return sv, pub, nil
	}
	b, err := os.ReadFile(ref)
	if err != nil {
		return nil, nil, fmt.Errorf("archive: read key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, nil, fmt.Errorf("archive: %s: not a PEM file", ref)
	}
	pf := func(bool) ([]byte, error) { return nil, nil }
	if block.Type == string(cryptoutils.EncryptedSigstorePrivateKeyPEMType) {
		if passphrase == nil {
			return nil, nil, fmt.Errorf("archive: %s is encrypted and no passphrase was given", ref)
		}
		pf = func(bool) ([]byte, error) { return passphrase() }
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(b, pf)
	if err != nil {
		return nil, nil, fmt.Errorf("archive: load key %s: %w", ref, err)
	}
	cs, ok := priv.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("archive: %s: %T cannot sign", ref, priv)
	}
	s, err := signature.LoadDefaultSigner(cs)
	if err != nil {
		return nil, nil, fmt.Errorf("archive: load key %s: %w", ref, err)
	}
	return s, cs.Public(), nil
}

// SignerFor wraps an in-memory key as a sigstore signer with the default
// algorithm for its type.
func SignerFor(key crypto.Signer) (signature.Signer, error) {
	s, err := signature.LoadDefaultSigner(key)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return s, nil
}

// VerifierFor returns the default sigstore verifier for a public key.
func VerifierFor(pub crypto.PublicKey) (signature.Verifier, error) {
	v, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return v, nil
}

// LoadVerifier loads a PEM public key file, or the public half of an
// unencrypted PEM private key file.
func LoadVerifier(ref string) (signature.Verifier, error) {
	b, err := os.ReadFile(ref)
	if err != nil {
		return nil, fmt.Errorf("archive: read key: %w", err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(b)
	if err != nil {
		priv, perr := cryptoutils.UnmarshalPEMToPrivateKey(b, func(bool) ([]byte, error) { return nil, nil })
		if perr != nil {
			return nil, fmt.Errorf("archive: %s: not a public key: %w", ref, errors.Join(err, perr))
		}
		cs, ok := priv.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("archive: %s: %T has no public key", ref, priv)
		}
		pub = cs.Public()
	}
	return VerifierFor(pub)
}
