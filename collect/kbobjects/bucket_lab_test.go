package kbobjects_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
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

// A bucket several locations lie in is read and recorded once per run
// and account, however many of its locations are collected: over the
// wire, the knowledge-base bucket's data-source prefixes and the
// SageMaker bucket's artifacts, captures and asynchronous answers share
// one row each, and each of the five configurations is asked once per
// bucket.
func TestBucketConfigurationOncePerBucket(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	before := len(l.Server.Calls())
	sink := &labtest.Sink{Blobs: map[string][]byte{}}
	st, err := collect.Run(context.Background(), l.Targets, []collect.Source{objectsOf(l)}, sink, collect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sink.Gaps) > 0 {
		t.Fatalf("%d gaps; first %+v", len(sink.Gaps), sink.Gaps[0])
	}
	locations := map[string]int{} // bucket -> units that read it
	for _, k := range st.Completed {
		if _, loc, ok := strings.Cut(k, "/s3://"); ok {
			b, _, _ := strings.Cut(loc, "/")
			locations[b]++
		}
	}
	rows := map[string]int{}
	for _, r := range sink.Kind(kbobjects.KindBucket) {
		rows[r.ARN]++
	}
	shared := 0
	for b, n := range locations {
		if n > 1 {
			shared++
		}
		if rows["arn:aws:s3:::"+b] != 1 {
			t.Errorf("%s, read by %d units: %d bucket rows, want 1", b, n, rows["arn:aws:s3:::"+b])
		}
	}
	if shared < 2 || len(rows) != len(locations) {
		t.Errorf("%d buckets with several locations, %d bucket rows for %d buckets read: want the knowledge-base and SageMaker buckets among them", shared, len(rows), len(locations))
	}
	asked := map[string]int{}
	for _, c := range l.Server.Calls()[before:] {
		asked[c.Operation]++
	}
	for _, op := range configOps {
		if asked[op] != len(locations) {
			t.Errorf("%s asked %d times for %d buckets", op, asked[op], len(locations))
		}
	}
}

// kbLocations are the knowledge-base bucket's data-source prefixes, as
// explicit locations, and the bucket.
func kbLocations(sc *lab.Scenario) ([]kbobjects.Location, string) {
	s3 := sc.Account(lab.ProdAccount).Regions["us-east-1"].KnowledgeBases[0].DataSources[0].DataSourceConfiguration.S3Configuration
	bucket := strings.TrimPrefix(s3.BucketARN, "arn:aws:s3:::")
	var locs []kbobjects.Location
	for _, p := range s3.InclusionPrefixes {
		locs = append(locs, kbobjects.Location{Account: lab.ProdAccount, Region: "us-east-1", Bucket: bucket, Prefix: p})
	}
	return locs, bucket
}

// A resumed run, which skips the units an earlier run finished, records
// the bucket with whichever of its locations' units it runs: the unit that
// recorded it before may be the one that did not finish.
func TestResumedRunRecordsTheBucket(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	locs, bucket := kbLocations(sc)
	if len(locs) < 2 {
		t.Fatalf("the knowledge-base bucket has %d prefixes: the test proves nothing", len(locs))
	}
	for _, left := range locs {
		unit := "s3://" + bucket + "/" + left.Prefix
		src := objectsOf(l)
		src.Locations = locs
		rec := &unitSink{Sink: &labtest.Sink{Blobs: map[string][]byte{}}}
		done := func(u collect.Unit) bool { return u.ID != unit }
		if _, err := collect.Run(context.Background(), l.Targets, []collect.Source{src}, rec, collect.Options{Done: done}); err != nil {
			t.Fatal(err)
		}
		if rows := rec.Kind(kbobjects.KindBucket); len(rows) != 1 || rows[0].ID != bucket || len(rec.rowsBy) != 1 || rec.rowsBy[0] != unit {
			t.Errorf("resuming %s: %d bucket rows, by %q; want one, by it", unit, len(rows), rec.rowsBy)
		}
	}
}

// When the unit recording a bucket fails before the row is kept (here its
// deadline passes while the sink holds the row), the next unit of the
// bucket records it in the same run.
func TestFailedBucketRecordingIsTakenOver(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	locs, bucket := kbLocations(sc)
	src := objectsOf(l)
	src.Locations = locs
	rec := &unitSink{Sink: &labtest.Sink{Blobs: map[string][]byte{}}, holdFirstBucket: true}
	o := collect.Options{Parallel: 1, UnitTimeout: 3 * time.Second}
	if _, err := collect.Run(context.Background(), l.Targets, []collect.Source{src}, rec, o); err != nil {
		t.Fatal(err)
	}
	first := "s3://" + bucket + "/" + locs[0].Prefix
	if len(rec.Gaps) != 1 || rec.Gaps[0].Unit.ID != first || rec.Gaps[0].Cause != schemas.CauseDeadline {
		t.Fatalf("gaps %+v, want %s's deadline", rec.Gaps, first)
	}
	if rows := rec.Kind(kbobjects.KindBucket); len(rows) != 1 || len(rec.rowsBy) != 1 || rec.rowsBy[0] == first {
		t.Errorf("%d bucket rows, by %q; want one, by another unit than %s", len(rows), rec.rowsBy, first)
	}
}

// unitSink keeps evidence in a labtest.Sink and notes which units
// recorded bucket rows. With holdFirstBucket, it holds the first bucket
// row until its unit's deadline and refuses it, as the bundle writer
// refuses what it held past the deadline while it waited for room.
type unitSink struct {
	*labtest.Sink
	holdFirstBucket bool
	mu              sync.Mutex
	rowsBy          []string // units that kept a bucket row
	held            bool
}

func (s *unitSink) Put(ctx context.Context, e collect.Evidence) error {
	s.mu.Lock()
	hold := e.Kind == kbobjects.KindBucket && s.holdFirstBucket && !s.held
	s.held = s.held || hold
	s.mu.Unlock()
	if hold {
		<-ctx.Done()
		return ctx.Err()
	}
	if err := s.Sink.Put(ctx, e); err != nil {
		return err
	}
	if e.Kind == kbobjects.KindBucket {
		s.mu.Lock()
		s.rowsBy = append(s.rowsBy, e.Unit.ID)
		s.mu.Unlock()
	}
	return nil
}
