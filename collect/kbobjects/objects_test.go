package kbobjects

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/schemas"
)

// version is one object version or delete marker held by fakeS3.
type version struct {
	key, id string
	body    string
	latest  bool
	deleted bool // a delete marker
}

// fakeS3 serves one bucket, a page of pageSize entries at a time, with keys
// URL-encoded when asked, as S3 does.
type fakeS3 struct {
	bucket, region string
	versions       []version // in S3's listing order: key, then newest first
	extra          int       // bytes GetObject sends beyond what the listing says
	pageSize       int
	denied         map[string]error // GetObject error by key
	brokenBody     map[string]bool  // GetObject body fails midway
	locErr         error
	versioningErr  error

	mu    sync.Mutex
	lists []*s3.ListObjectVersionsInput
	gets  []string
}

func (f *fakeS3) GetBucketLocation(_ context.Context, in *s3.GetBucketLocationInput, _ ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error) {
	if f.locErr != nil {
		return nil, f.locErr
	}
	c := f.region
	if c == "us-east-1" {
		c = ""
	}
	return &s3.GetBucketLocationOutput{LocationConstraint: types.BucketLocationConstraint(c)}, nil
}

func (f *fakeS3) GetBucketVersioning(_ context.Context, in *s3.GetBucketVersioningInput, _ ...func(*s3.Options)) (*s3.GetBucketVersioningOutput, error) {
	if f.versioningErr != nil {
		return nil, f.versioningErr
	}
	return &s3.GetBucketVersioningOutput{Status: types.BucketVersioningStatusEnabled}, nil
}

func (f *fakeS3) ListObjectVersions(_ context.Context, in *s3.ListObjectVersionsInput, _ ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error) {
	f.mu.Lock()
	cp := *in
	f.lists = append(f.lists, &cp)
	f.mu.Unlock()
	enc := func(s string) *string {
		if in.EncodingType == types.EncodingTypeUrl {
			s = url.QueryEscape(s)
		}
		return aws.String(s)
	}
	start := 0
	if m := aws.ToString(in.KeyMarker); m != "" {
		start = slices.IndexFunc(f.versions, func(v version) bool { return v.key == m && v.id == aws.ToString(in.VersionIdMarker) }) + 1
		if start == 0 {
			return nil, &smithy.GenericAPIError{Code: "InvalidArgument", Message: "unknown marker " + m}
		}
	}
	out := &s3.ListObjectVersionsOutput{EncodingType: in.EncodingType}
	end := min(start+f.pageSize, len(f.versions))
	for _, v := range f.versions[start:end] {
		if !strings.HasPrefix(v.key, aws.ToString(in.Prefix)) {
			continue
		}
		if v.deleted {
			out.DeleteMarkers = append(out.DeleteMarkers, types.DeleteMarkerEntry{Key: enc(v.key), VersionId: aws.String(v.id), IsLatest: aws.Bool(v.latest)})
			continue
		}
		sum := sha256.Sum256([]byte(v.body))
		out.Versions = append(out.Versions, types.ObjectVersion{
			Key: enc(v.key), VersionId: aws.String(v.id), IsLatest: aws.Bool(v.latest),
			Size: aws.Int64(int64(len(v.body))), ETag: aws.String(`"` + hex.EncodeToString(sum[:4]) + `"`),
			StorageClass: types.ObjectVersionStorageClassStandard, LastModified: aws.Time(time.Unix(1700000000, 0)),
			ChecksumAlgorithm: []types.ChecksumAlgorithm{types.ChecksumAlgorithmSha256},
		})
	}
	if end < len(f.versions) {
		last := f.versions[end-1]
		out.IsTruncated, out.NextKeyMarker, out.NextVersionIdMarker = aws.Bool(true), enc(last.key), aws.String(last.id)
	}
	return out, nil
}

func (f *fakeS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	key := aws.ToString(in.Key)
	f.mu.Lock()
	f.gets = append(f.gets, key+"?"+aws.ToString(in.VersionId))
	f.mu.Unlock()
	if in.ChecksumMode != types.ChecksumModeEnabled {
		return nil, errors.New("checksum mode not enabled")
	}
	if err := f.denied[key]; err != nil {
		return nil, err
	}
	for _, v := range f.versions {
		if v.key == key && v.id == aws.ToString(in.VersionId) && !v.deleted {
			var body io.Reader = strings.NewReader(v.body + strings.Repeat("+", f.extra))
			if f.brokenBody[key] {
				body = io.MultiReader(strings.NewReader(v.body[:1]), errReader{})
			}
			sum := sha256.Sum256([]byte(v.body))
			return &s3.GetObjectOutput{Body: io.NopCloser(body), ChecksumSHA256: aws.String(hex.EncodeToString(sum[:]))}, nil
		}
	}
	return nil, &smithy.GenericAPIError{Code: "NoSuchVersion", Message: key}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// memSink keeps what it is given, hashing bodies as the writer does, and
// fails like the writer when a body fails.
type memSink struct {
	mu   sync.Mutex
	rows []*schemas.Object
	ev   []collect.Evidence
	gaps []collect.Gap
}

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	if e.Body != nil {
		h := sha256.New()
		n, err := io.Copy(h, e.Body)
		if err != nil {
			return err
		}
		e.Row.(schemas.BlobRow).SetBlob(hex.EncodeToString(h.Sum(nil)), n)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ev = append(s.ev, e)
	if o, ok := e.Row.(*schemas.Object); ok {
		s.rows = append(s.rows, o)
	}
	return nil
}

func (s *memSink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

var target = collect.Target{Account: "111122223333", Region: "eu-west-1"}

func hostileBucket() *fakeS3 {
	return &fakeS3{
		bucket: "kb", region: "eu-west-1", pageSize: 2,
		versions: []version{
			{key: "../../etc/passwd", id: "p1", body: "root:x:0:0", latest: true},
			{key: "/abs+olute 100%", id: "a1", body: "absolute", latest: true},
			{key: "docs/a.md", id: "v3", deleted: true, latest: true},
			{key: "docs/a.md", id: "v2", body: "second"},
			{key: "docs/a.md", id: "v1", body: "first"},
			{key: "docs/bell\a\x00 ☃", id: "b1", body: "bell", latest: true},
			{key: "docs/big.bin", id: "g1", body: strings.Repeat("x", 64), latest: true},
		},
	}
}

func run(t *testing.T, f *fakeS3, o *Objects) *memSink {
	t.Helper()
	o.Client = func(collect.Target) (API, error) { return f, nil }
	units, err := o.Units(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 1 {
		t.Fatalf("units = %v, want 1", units)
	}
	sink := &memSink{}
	if err := o.Collect(context.Background(), units[0], sink); err != nil {
		t.Fatalf("collect: %v", err)
	}
	return sink
}

func TestCollectEveryVersionWithKeysExact(t *testing.T) {
	f := hostileBucket()
	sink := run(t, f, &Objects{Locations: []Location{{Bucket: "kb", Region: "eu-west-1", LedBy: "arn:ds"}}})
	if len(sink.rows) != len(f.versions) {
		t.Fatalf("%d rows, want %d", len(sink.rows), len(f.versions))
	}
	for i, v := range f.versions {
		var r *schemas.Object
		for _, row := range sink.rows {
			if row.Key == v.key && row.VersionID == v.id {
				r = row
			}
		}
		if r == nil {
			t.Errorf("version %d %q?%s: no row with the key exact", i, v.key, v.id)
			continue
		}
		if r.DeleteMarker != v.deleted || r.IsLatest != v.latest || r.LedBy != "arn:ds" {
			t.Errorf("%q?%s: delete marker %v latest %v led by %q", v.key, v.id, r.DeleteMarker, r.IsLatest, r.LedBy)
		}
		if v.deleted {
			if r.SHA256 != nil || r.Skipped != nil {
				t.Errorf("delete marker %q has content %v or skip %v", v.key, r.SHA256, r.Skipped)
			}
			continue
		}
		if aws.ToString(r.SHA256) != sha(v.body) || aws.ToString(r.Checksum) != sha(v.body) || aws.ToString(r.ChecksumAlgo) != "SHA256" {
			t.Errorf("%q?%s: sha256 %s checksum %s/%s, want %s", v.key, v.id, aws.ToString(r.SHA256), aws.ToString(r.ChecksumAlgo), aws.ToString(r.Checksum), sha(v.body))
		}
		if r.Operation != "GetObject" || r.Size != int64(len(v.body)) {
			t.Errorf("%q?%s: operation %s size %d", v.key, v.id, r.Operation, r.Size)
		}
	}
	for _, e := range sink.ev {
		if e.Kind == schemas.KindS3Object && !strings.HasPrefix(e.ObjectID, "s3://kb/") {
			t.Errorf("object id %q", e.ObjectID)
		}
	}
	if len(sink.ev) != len(f.versions)+1 || sink.ev[0].Kind != KindBucket {
		t.Errorf("want the bucket's versioning first, then every version: %d records", len(sink.ev))
	}
	// Markers go back decoded: the fake finds them by the raw key.
	if len(f.lists) != 4 {
		t.Errorf("%d list calls, want 4 pages", len(f.lists))
	}
	if len(sink.gaps) != 0 {
		t.Errorf("gaps: %v", sink.gaps)
	}
}

func TestModesAndLimitsSkipButKeepRows(t *testing.T) {
	for _, tc := range []struct {
		name    string
		o       *Objects
		fetched []string // keys whose content is preserved
	}{
		{"none", &Objects{Objects: None}, nil},
		{"latest", &Objects{Objects: Latest}, []string{"../../etc/passwd", "/abs+olute 100%", "docs/bell\a\x00 ☃", "docs/big.bin"}},
		{"max bytes", &Objects{MaxObjectBytes: 10}, []string{"../../etc/passwd", "/abs+olute 100%", "docs/a.md", "docs/a.md", "docs/bell\a\x00 ☃"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := hostileBucket()
			tc.o.Locations = []Location{{Bucket: "kb", Region: "eu-west-1"}}
			sink := run(t, f, tc.o)
			if len(sink.rows) != len(f.versions) {
				t.Fatalf("%d rows, want every version listed: %d", len(sink.rows), len(f.versions))
			}
			var fetched []string
			for _, r := range sink.rows {
				switch {
				case r.DeleteMarker:
				case r.SHA256 != nil:
					fetched = append(fetched, r.Key)
				case r.Skipped == nil || *r.Skipped == "":
					t.Errorf("%q?%s: neither preserved nor skipped", r.Key, r.VersionID)
				}
			}
			// Versions are read several at once: their rows come in any order.
			slices.Sort(fetched)
			want := slices.Sorted(slices.Values(tc.fetched))
			if !slices.Equal(fetched, want) {
				t.Errorf("preserved %q, want %q", fetched, tc.fetched)
			}
			if len(f.gets) != len(tc.fetched) {
				t.Errorf("%d GetObject calls, want %d", len(f.gets), len(tc.fetched))
			}
		})
	}
}

func TestRefusedObjectIsRowAndGap(t *testing.T) {
	f := hostileBucket()
	f.denied = map[string]error{"../../etc/passwd": &smithy.GenericAPIError{Code: "AccessDenied", Message: "Access Denied"}}
	f.brokenBody = map[string]bool{"docs/big.bin": true}
	sink := run(t, f, &Objects{Locations: []Location{{Bucket: "kb", Region: "eu-west-1"}}})
	if len(sink.rows) != len(f.versions) {
		t.Fatalf("%d rows, want %d: the rest go on", len(sink.rows), len(f.versions))
	}
	skipped := map[string]string{}
	for _, r := range sink.rows {
		if r.Skipped != nil {
			skipped[r.Key] = *r.Skipped
			if r.SHA256 != nil {
				t.Errorf("%q skipped yet has content", r.Key)
			}
		}
	}
	if !strings.HasPrefix(skipped["../../etc/passwd"], "AccessDenied: ") || !strings.HasPrefix(skipped["docs/big.bin"], "unreachable: ") || len(skipped) != 2 {
		t.Errorf("skipped = %q", skipped)
	}
	if len(sink.gaps) != 2 {
		t.Fatalf("gaps = %v, want 2", sink.gaps)
	}
	if g := sink.gaps[0]; g.Cause != "AccessDenied" || !strings.Contains(g.Message, "s3://kb/../../etc/passwd?versionId=p1") || g.Unit.ID != "s3://kb/" {
		t.Errorf("gap = %+v", g)
	}
}

func TestUnits(t *testing.T) {
	f := &fakeS3{bucket: "kb", region: "us-east-1"}
	o := &Objects{
		Client: func(collect.Target) (API, error) { return f, nil },
		Locations: []Location{
			{Bucket: "a", Region: "eu-west-1", LedBy: "ds1"},
			{Bucket: "a", Region: "eu-west-1", LedBy: "ds2"},
			{Bucket: "a", Prefix: "p/", Region: "eu-west-1"},
			{Bucket: "b", Region: "us-east-1"},
			{Bucket: "c"}, // located by S3: us-east-1
			{Bucket: "d", Region: "eu-west-1", Account: "999999999999"},
		},
	}
	var ids []string
	for _, r := range []string{"eu-west-1", "us-east-1"} {
		units, err := o.Units(context.Background(), collect.Target{Account: target.Account, Region: r})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range units {
			ids = append(ids, r+" "+u.ID)
		}
	}
	want := []string{"eu-west-1 s3://a/", "eu-west-1 s3://a/p/", "us-east-1 s3://b/", "us-east-1 s3://c/"}
	if !slices.Equal(ids, want) {
		t.Errorf("units = %q, want %q", ids, want)
	}
	if _, _, _, led, _ := o.location(collect.Unit{ID: "s3://a/", Target: target}); led != "ds1,ds2" {
		t.Errorf("led by %q, want both data sources", led)
	}
	// A bucket that cannot be located is collected where it was asked
	// about, so the refusal is recorded.
	f.locErr = &smithy.GenericAPIError{Code: "AccessDenied"}
	units, err := o.Units(context.Background(), collect.Target{Account: target.Account, Region: "ap-south-1"})
	if err != nil || len(units) != 1 || units[0].ID != "s3://c/" {
		t.Errorf("units = %v, %v; want s3://c/ in the asking region", units, err)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": AllVersions, "all-versions": AllVersions, "latest": Latest, "none": None} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMode("some"); err == nil {
		t.Error("ParseMode(some): no error")
	}
}

func TestContentOutgrowingTheLimitIsSkipped(t *testing.T) {
	f := hostileBucket()
	f.extra = 100
	sink := run(t, f, &Objects{MaxObjectBytes: 64, Locations: []Location{{Bucket: "kb", Region: "eu-west-1"}}})
	var preserved int
	for _, r := range sink.rows {
		if r.SHA256 != nil {
			preserved++
		} else if !r.DeleteMarker && (r.Skipped == nil || !strings.HasPrefix(*r.Skipped, "skipped: ")) {
			t.Errorf("%q: skipped = %v, want a skip for size", r.Key, aws.ToString(r.Skipped))
		}
	}
	if preserved != 0 || len(sink.gaps) != len(f.versions)-1 {
		t.Errorf("preserved %d, gaps %d: want nothing preserved and a gap for each of %d versions", preserved, len(sink.gaps), len(f.versions)-1)
	}
}

type failingSink struct{ memSink }

func (s *failingSink) Put(ctx context.Context, e collect.Evidence) error {
	if e.Body != nil {
		io.Copy(io.Discard, e.Body)
		return errors.New("disk full")
	}
	return s.memSink.Put(ctx, e)
}

func TestSinkFailureStopsTheLocation(t *testing.T) {
	f := hostileBucket()
	o := &Objects{Locations: []Location{{Bucket: "kb", Region: "eu-west-1"}}, Client: func(collect.Target) (API, error) { return f, nil }}
	sink := &failingSink{}
	err := o.Collect(context.Background(), collect.Unit{Source: Source, ID: "s3://kb/", Target: target}, sink)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the sink's failure", err)
	}
	// The reads already in flight when the sink failed may finish; no
	// other starts.
	if len(f.gets) < 1 || len(f.gets) > objectsInFlight || len(sink.gaps) != 0 {
		t.Errorf("%d gets, %d gaps after the sink failed: want 1 to %d and 0", len(f.gets), len(sink.gaps), objectsInFlight)
	}
}

func TestRefusedVersioningIsAGapAndObjectsGoOn(t *testing.T) {
	f := hostileBucket()
	f.versioningErr = &smithy.GenericAPIError{Code: "AccessDenied", Message: "no s3:GetBucketVersioning"}
	sink := run(t, f, &Objects{Locations: []Location{{Bucket: "kb", Region: "eu-west-1"}}})
	if len(sink.rows) != len(f.versions) {
		t.Errorf("%d object rows, want %d", len(sink.rows), len(f.versions))
	}
	if len(sink.gaps) != 1 || sink.gaps[0].Cause != "AccessDenied" || !strings.Contains(sink.gaps[0].Message, "versioning of bucket kb") {
		t.Errorf("gaps = %+v, want one for versioning", sink.gaps)
	}
}
