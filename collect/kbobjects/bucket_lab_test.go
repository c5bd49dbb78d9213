package kbobjects_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
)

// wantConfig is what the lab's bucket says its configuration is.
func wantConfig(b *lab.Bucket) kbobjects.BucketConfig {
	want := kbobjects.BucketConfig{Versioning: b.Versioning}
	if l := b.ObjectLock; l != nil {
		want.ObjectLock = &kbobjects.ObjectLock{Enabled: true, Mode: l.Mode, Days: int32(l.Days), Years: int32(l.Years)}
	}
	if b.Policy != "" {
		want.Policy = &b.Policy
	}
	switch b.Encryption {
	case "none":
	case "":
		want.Encryption = []kbobjects.EncryptionRule{{SSEAlgorithm: "AES256"}}
	default:
		want.Encryption = []kbobjects.EncryptionRule{{SSEAlgorithm: b.Encryption, KMSMasterKeyID: b.KMSKeyID, BucketKeyEnabled: b.Encryption == "aws:kms"}}
	}
	if b.PublicAccess {
		want.PublicAccessBlock = &kbobjects.PublicAccessBlock{BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true}
	}
	return want
}

type answer struct {
	Body      string `json:"body"`
	Error     string `json:"error"`
	RequestID string `json:"request_id"`
}

var configOps = []string{"GetBucketVersioning", "GetObjectLockConfiguration", "GetBucketPolicy", "GetBucketEncryption", "GetPublicAccessBlock"}

func objectsOf(l *labtest.Lab) *kbobjects.Objects {
	return &kbobjects.Objects{
		Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
		Estate: l.Estate(),
	}
}

// Each bucket objects are read from is recorded with its whole protective
// configuration as the lab defines it, over the wire: the knowledge-base
// bucket's object lock, policy, KMS encryption and public access block,
// and genai-dev's training bucket's having none of them, each answer kept.
func TestBucketConfigurationIsRecorded(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	sink := l.Run(t, objectsOf(l))
	buckets := map[string]*lab.Bucket{}
	for _, a := range sc.Accounts() {
		for _, b := range sc.Account(a).Buckets {
			buckets[b.Name] = b
		}
	}
	seen := map[string]bool{}
	for _, r := range sink.Kind(kbobjects.KindBucket) {
		b := buckets[r.ID]
		if b == nil || r.ARN != "arn:aws:s3:::"+b.Name {
			t.Errorf("bucket row %s %s of no bucket of the lab", r.ARN, r.ID)
			continue
		}
		seen[b.Name] = true
		var got kbobjects.BucketConfig
		if err := json.Unmarshal([]byte(r.Normalized), &got); err != nil {
			t.Fatal(err)
		}
		if want := wantConfig(b); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: normalized %s, want %+v", b.Name, r.Normalized, want)
		}
		if r.Status != b.Versioning || r.Operation != "GetBucketVersioning" || r.RequestID == "" {
			t.Errorf("%s: status %q operation %q request %q", b.Name, r.Status, r.Operation, r.RequestID)
		}
		var raw map[string]answer
		if err := json.Unmarshal([]byte(r.Raw), &raw); err != nil {
			t.Fatalf("%s: raw %q: %v", b.Name, r.Raw, err)
		}
		for _, op := range configOps {
			a := raw[op]
			if a.RequestID == "" || (a.Body == "") == (a.Error == "") {
				t.Errorf("%s: raw answer of %s = %+v, want a request id and a body or an error", b.Name, op, a)
			}
		}
		if got.Policy != nil && raw["GetBucketPolicy"].Body != b.Policy {
			t.Errorf("%s: raw policy %q, want the document byte for byte", b.Name, raw["GetBucketPolicy"].Body)
		}
		if got.ObjectLock == nil && raw["GetObjectLockConfiguration"].Error != "ObjectLockConfigurationNotFoundError" {
			t.Errorf("%s: no object lock, raw %+v", b.Name, raw["GetObjectLockConfiguration"])
		}
	}
	kb, dev := "genai-prod-kb-docs-"+lab.ProdAccount, "genai-dev-training-"+lab.DevAccount
	if !seen[kb] || !seen[dev] || buckets[kb].ObjectLock == nil || buckets[kb].Policy == "" {
		t.Fatalf("buckets recorded %v: want the object-locked knowledge-base bucket and genai-dev's unprotected bucket", seen)
	}
	for _, r := range sink.Kind(kbobjects.KindBucket) {
		if r.ID == dev && !strings.Contains(r.Normalized, `"object_lock":null,"policy":null,"encryption":null,"public_access_block":null`) {
			t.Errorf("%s: %s, want none of the configurations", dev, r.Normalized)
		}
	}
}

// A bucket policy S3 refuses to show is a gap naming it; the rest of the
// bucket's configuration is recorded, the policy marked unread, and the
// objects are still preserved.
func TestRefusedBucketPolicyIsAGapAndObjectsGoOn(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.StartRefusing(t, sc, func(r *http.Request) bool {
		return r.Method == http.MethodGet && r.URL.Query().Has("policy")
	})
	sink := l.RunWithGaps(t, objectsOf(l))
	full := labtest.Start(t, sc)
	want := full.Run(t, objectsOf(full))
	if len(sink.Objects) == 0 || len(sink.Objects) != len(want.Objects) {
		t.Errorf("%d objects preserved with the policy refused, %d without", len(sink.Objects), len(want.Objects))
	}
	rows := sink.Kind(kbobjects.KindBucket)
	if len(rows) == 0 || len(sink.Gaps) != len(rows) {
		t.Errorf("%d gaps for %d bucket rows, want one each", len(sink.Gaps), len(rows))
	}
	for _, g := range sink.Gaps {
		if g.Cause != "AccessDenied" || !strings.Contains(g.Message, "get policy of bucket") {
			t.Errorf("gap %+v, want AccessDenied naming the policy", g)
		}
	}
	for _, r := range rows {
		var got kbobjects.BucketConfig
		if err := json.Unmarshal([]byte(r.Normalized), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Unread) != 1 || got.Unread[0] != "policy" || got.Policy != nil || got.Versioning != "Enabled" || got.Encryption == nil && !strings.HasPrefix(r.ID, "genai-dev-") {
			t.Errorf("%s: %s, want the policy unread and the rest recorded", r.ID, r.Normalized)
		}
	}
}
