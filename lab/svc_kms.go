package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// kmsService is AWS KMS (awsJson1_1), serving asymmetric signing keys.
func kmsService() *service {
	p := jsonRPC{prefix: "TrentService"}
	return &service{
		name:    "kms",
		signing: "kms",
		proto:   p,
		route: namedRouter(p.target, map[string]operation{
			"GetPublicKey": {handler: kmsGetPublicKey},
			"Sign":         {handler: kmsSign},
			"DescribeKey":  {handler: kmsDescribeKey},
			"ListKeys":     {handler: kmsListKeys},
			"ListAliases":  {handler: kmsListAliases},
			"Verify":       {handler: kmsVerify},
		}),
		throttle: throttling(http.StatusBadRequest, "ThrottlingException"),
		internal: newAPIError(http.StatusInternalServerError, "KMSInternalException", "An internal error occurred."),
	}
}

// keyring derives the private keys of the scenario's KMS keys from the
// seed, the account and the key id, so signatures verify across runs.
type keyring struct {
	seed int64
	mu   sync.Mutex
	keys map[string]*ecdsa.PrivateKey
}

func newKeyring(seed int64) *keyring {
	return &keyring{seed: seed, keys: map[string]*ecdsa.PrivateKey{}}
}

func (kr *keyring) private(account, keyID string) *ecdsa.PrivateKey {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	id := account + "/" + keyID
	if k := kr.keys[id]; k != nil {
		return k
	}
	var seed [8]byte
	binary.BigEndian.PutUint64(seed[:], uint64(kr.seed))
	for i := 0; ; i++ {
		d := sha256.Sum256([]byte(string(seed[:]) + "|kms|" + id + "|" + strconv.Itoa(i)))
		if k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d[:]); err == nil {
			kr.keys[id] = k
			return k
		}
	}
}

// kmsKey is a resolved key with its ARN.
type kmsKey struct {
	*Key
	arn string
}

// findKey resolves a key id, key ARN, alias name or alias ARN.
func (c *call) findKey(ref string) (kmsKey, error) {
	prefix := "arn:aws:kms:" + c.region + ":" + c.account + ":"
	for _, k := range c.data().Keys {
		arn := prefix + "key/" + k.KeyID
		if ref == k.KeyID || ref == arn || (k.Alias != "" && (ref == k.Alias || ref == prefix+k.Alias)) {
			return kmsKey{k, arn}, nil
		}
	}
	return kmsKey{}, newAPIError(http.StatusBadRequest, "NotFoundException", "Key '%s' does not exist", ref)
}

// namedKey resolves the key named by the request's KeyId.
func (c *call) namedKey() (kmsKey, error) {
	var in struct{ KeyId string }
	if err := c.decode(&in); err != nil {
		return kmsKey{}, err
	}
	return c.findKey(in.KeyId)
}

func (k kmsKey) signing() bool { return k.KeySpec == "ECC_NIST_P256" && k.KeyUsage == "SIGN_VERIFY" }

func kmsGetPublicKey(c *call) (*response, error) {
	k, err := c.namedKey()
	if err != nil {
		return nil, err
	}
	if !k.signing() {
		return nil, newAPIError(http.StatusBadRequest, "UnsupportedOperationException", "%s key usage is not supported for GetPublicKey", k.KeyUsage)
	}
	der, err := x509.MarshalPKIXPublicKey(&c.srv.keys.private(c.account, k.KeyID).PublicKey)
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		KeyId                 string
		PublicKey             []byte
		CustomerMasterKeySpec string
		KeySpec               string
		KeyUsage              string
		SigningAlgorithms     []string
	}{k.arn, der, k.KeySpec, k.KeySpec, k.KeyUsage, []string{"ECDSA_SHA_256"}})
}

type signInput struct {
	KeyId            string
	Message          []byte
	MessageType      string
	SigningAlgorithm string
	Signature        []byte
}

// digestOf checks a Sign or Verify request and returns the digest to sign.
func (c *call) digestOf(in *signInput) (kmsKey, []byte, error) {
	k, err := c.findKey(in.KeyId)
	if err != nil {
		return k, nil, err
	}
	if !k.signing() {
		return k, nil, newAPIError(http.StatusBadRequest, "InvalidKeyUsageException", "%s key usage is ENCRYPT_DECRYPT which is not valid for signing", k.arn)
	}
	if in.SigningAlgorithm != "ECDSA_SHA_256" {
		return k, nil, newAPIError(http.StatusBadRequest, "ValidationException", "Algorithm %s is incompatible with key spec %s", in.SigningAlgorithm, k.KeySpec)
	}
	switch strings.ToUpper(in.MessageType) {
	case "", "RAW":
		if len(in.Message) > 4096 {
			return k, nil, newAPIError(http.StatusBadRequest, "ValidationException", "Message must be at most 4096 bytes")
		}
		d := sha256.Sum256(in.Message)
		return k, d[:], nil
	case "DIGEST":
		if len(in.Message) != sha256.Size {
			return k, nil, newAPIError(http.StatusBadRequest, "ValidationException", "Digest is invalid length for algorithm ECDSA_SHA_256.")
		}
		return k, in.Message, nil
	}
	return k, nil, newAPIError(http.StatusBadRequest, "ValidationException", "MessageType %q is not valid", in.MessageType)
}

func kmsSign(c *call) (*response, error) {
	var in signInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	k, digest, err := c.digestOf(&in)
	if err != nil {
		return nil, err
	}
	sig, err := ecdsa.SignASN1(rand.Reader, c.srv.keys.private(c.account, k.KeyID), digest)
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		KeyId            string
		Signature        []byte
		SigningAlgorithm string
	}{k.arn, sig, in.SigningAlgorithm})
}

func kmsVerify(c *call) (*response, error) {
	var in signInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	k, digest, err := c.digestOf(&in)
	if err != nil {
		return nil, err
	}
	if !ecdsa.VerifyASN1(&c.srv.keys.private(c.account, k.KeyID).PublicKey, digest, in.Signature) {
		return nil, newAPIError(http.StatusBadRequest, "KMSInvalidSignatureException", "")
	}
	return c.json(struct {
		KeyId            string
		SignatureValid   bool
		SigningAlgorithm string
	}{k.arn, true, in.SigningAlgorithm})
}

func kmsDescribeKey(c *call) (*response, error) {
	k, err := c.namedKey()
	if err != nil {
		return nil, err
	}
	type meta struct {
		AWSAccountId          string
		KeyId                 string
		Arn                   string
		CreationDate          epoch
		Enabled               bool
		Description           string
		KeyUsage              string
		KeyState              string
		Origin                string
		KeyManager            string
		CustomerMasterKeySpec string
		KeySpec               string
		SigningAlgorithms     []string `json:",omitempty"`
		EncryptionAlgorithms  []string `json:",omitempty"`
		MultiRegion           bool
	}
	m := meta{
		AWSAccountId: c.account, KeyId: k.KeyID, Arn: k.arn, CreationDate: epoch(k.CreationDate),
		Enabled: true, Description: k.Description, KeyUsage: k.KeyUsage, KeyState: "Enabled",
		Origin: "AWS_KMS", KeyManager: "CUSTOMER", CustomerMasterKeySpec: k.KeySpec, KeySpec: k.KeySpec,
	}
	if k.signing() {
		m.SigningAlgorithms = []string{"ECDSA_SHA_256"}
	} else {
		m.EncryptionAlgorithms = []string{"SYMMETRIC_DEFAULT"}
	}
	return c.json(map[string]meta{"KeyMetadata": m})
}

func kmsListKeys(c *call) (*response, error) {
	type entry struct{ KeyId, KeyArn string }
	out := struct {
		Keys      []entry
		Truncated bool
	}{Keys: []entry{}}
	for _, k := range c.data().Keys {
		out.Keys = append(out.Keys, entry{k.KeyID, "arn:aws:kms:" + c.region + ":" + c.account + ":key/" + k.KeyID})
	}
	return c.json(out)
}

func kmsListAliases(c *call) (*response, error) {
	type entry struct {
		AliasName, AliasArn, TargetKeyId string
		CreationDate                     epoch
	}
	out := struct {
		Aliases   []entry
		Truncated bool
	}{Aliases: []entry{}}
	for _, k := range c.data().Keys {
		if k.Alias != "" {
			out.Aliases = append(out.Aliases, entry{k.Alias, "arn:aws:kms:" + c.region + ":" + c.account + ":" + k.Alias, k.KeyID, epoch(k.CreationDate)})
		}
	}
	return c.json(out)
}
