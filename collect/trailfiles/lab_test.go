package trailfiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// memSink keeps what a source gives: rows by table with their partition,
// and gaps. Blobs are hashed, not kept.
type memSink struct {
	mu        sync.Mutex
	events    map[string][]*schemas.CloudTrailEvent // account/region
	resources []*schemas.Resource
	objects   []*schemas.Object
	gaps      []collect.Gap
	blobs     map[string]int64
}

func newMemSink() *memSink {
	return &memSink{events: map[string][]*schemas.CloudTrailEvent{}, blobs: map[string]int64{}}
}

func (s *memSink) Put(_ context.Context, e collect.Evidence) error {
	if e.Body != nil {
		h := sha256Hex()
		n, err := io.Copy(h, e.Body)
		if err != nil {
			return err
		}
		sum := h.hex()
		s.mu.Lock()
		s.blobs[sum] = n
		s.mu.Unlock()
		if br, ok := e.Row.(schemas.BlobRow); ok {
			br.SetBlob(sum, n)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r := e.Row.(type) {
	case *schemas.CloudTrailEvent:
		k := e.Unit.Target.Account + "/" + e.Unit.Target.Region
		s.events[k] = append(s.events[k], r)
	case *schemas.Resource:
		s.resources = append(s.resources, r)
	case *schemas.Object:
		s.objects = append(s.objects, r)
	}
	return nil
}

func (s *memSink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

func (s *memSink) kind(kind string) []*schemas.Resource {
	var out []*schemas.Resource
	for _, r := range s.resources {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// tamperingS3 is the lab's S3 over the wire, with one log file's bytes
// changed after delivery and one digest deleted, as an intruder covering
// tracks would leave them.
type tamperingS3 struct {
	*s3.Client
	tampered, deleted string // keys
}

func (c *tamperingS3) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out, err := c.Client.ListObjectsV2(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	out.Contents = slices.DeleteFunc(out.Contents, func(o s3Object) bool { return aws.ToString(o.Key) == c.deleted })
	return out, nil
}

func (c *tamperingS3) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	switch aws.ToString(in.Key) {
	case c.deleted:
		return nil, &smithy.GenericAPIError{Code: "NoSuchKey", Message: "The specified key does not exist."}
	case c.tampered:
		out, err := c.Client.GetObject(ctx, in, opts...)
		if err != nil {
			return nil, err
		}
		zr, err := gzip.NewReader(out.Body)
		if err != nil {
			return nil, err
		}
		content, err := io.ReadAll(zr)
		out.Body.Close()
		if err != nil {
			return nil, err
		}
		// Same records, one more space: the content no longer hashes to
		// what the digest says.
		content = bytes.Replace(content, []byte(`{"Records":[`), []byte(`{"Records": [`), 1)
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(content)
		zw.Close()
		out.Body = io.NopCloser(&b)
		return out, nil
	}
	return c.Client.GetObject(ctx, in, opts...)
}

// TestCollectTrailFilesFromLab reads every trail's files from the lab:
// the rows are exactly the events each trail recorded, every file is
// validated against the digests, and a tampered file and a deleted digest
// are reported as such.
func TestCollectTrailFilesFromLab(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole built-in estate")
	}
	// The damage is the wrapper's alone: the lab's own tampering is taken
	// out (TestLabPlantedTampering reads it).
	sc := untampered(lab.Builtin(lab.BuiltinOptions{}))
	l := labtest.Start(t, sc)
	ctx := context.Background()
	since, until := sc.Window()
	bucket := "aws-cloudtrail-logs-" + lab.ProdAccount
	base := "AWSLogs/" + lab.ProdAccount + "/"
	prodUS := collect.Target{Account: lab.ProdAccount, Region: "us-east-1"}
	for _, t2 := range l.Targets {
		if t2.Account == prodUS.Account && t2.Region == prodUS.Region {
			prodUS = t2
		}
	}
	real := kbobjects.NewClient(l.Session.Config(prodUS))
	logKeys := listKeys(t, real, bucket, base+"CloudTrail/eu-west-1/")
	digestKeys := listKeys(t, real, bucket, base+"CloudTrail-Digest/eu-west-1/")
	if len(logKeys) < 5 || len(digestKeys) < 10 {
		t.Fatalf("%d log files, %d digests under %s", len(logKeys), len(digestKeys), base)
	}
	tampered, deleted := logKeys[2], digestKeys[len(digestKeys)/2]
	// The digest after the deleted one names it as its previous.
	chainBroken := digestKeys[len(digestKeys)/2+1]

	src := &Source{
		Since: since, Until: until,
		Trails: func(t collect.Target) (TrailAPI, error) { return cloudtrail.NewFromConfig(l.Session.Config(t)), nil },
		S3: func(t collect.Target) (S3API, error) {
			return &tamperingS3{Client: kbobjects.NewClient(l.Session.Config(t)), tampered: tampered, deleted: deleted}, nil
		},
	}
	sink := newMemSink()
	if _, err := collect.Run(ctx, l.Targets, []collect.Source{src}, sink, collect.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, g := range sink.gaps {
		t.Errorf("gap: %+v", g)
	}

	// Rows: per account and region, the events the trails recorded.
	want := expectedEvents(t, sc)
	total := 0
	for k, ids := range want {
		var got []string
		for _, ev := range sink.events[k] {
			if ev.Via != Via || ev.BlobSHA256 == nil || !ev.Parsed {
				t.Fatalf("%s: row %s via %q blob %v parsed %v", k, ev.EventID, ev.Via, ev.BlobSHA256, ev.Parsed)
			}
			got = append(got, ev.EventID)
		}
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, ids) {
			t.Errorf("%s: %d distinct events from trail files, the trails recorded %d", k, len(got), len(ids))
		}
		total += len(ids)
		delete(sink.events, k)
	}
	for k, evs := range sink.events {
		t.Errorf("%s: %d rows in a partition no trail records", k, len(evs))
	}
	if total < 5000 {
		t.Errorf("only %d events: the test proves little", total)
	}

	// Validation: every file, every digest.
	statuses := map[string]int{}
	var logFiles int
	for _, r := range sink.kind(KindValidation) {
		var n struct{ File, Check string }
		if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
			t.Fatal(err)
		}
		statuses[n.File+" "+r.Status+" "+n.Check]++
		switch r.ID {
		case tampered:
			if r.Status != "invalid" || n.Check != "hash" {
				t.Errorf("tampered file %s: %s %s", r.ID, r.Status, n.Check)
			}
		case chainBroken:
			if r.Status != "invalid" || n.Check != "chain-missing" {
				t.Errorf("digest after the deleted one %s: %s %s", r.ID, r.Status, n.Check)
			}
		}
		if n.File == "log" {
			logFiles++
		}
	}
	t.Logf("validation: %v", statuses)
	if statuses["log invalid hash"] != 1 || statuses["digest invalid chain-missing"] != 1 || len(statuses) != 5 {
		t.Errorf("want exactly one tampered file and one broken link: %v", statuses)
	}
	// Only the file the deleted digest listed lacks a digest.
	if statuses["log no-digest "] > 1 || statuses["log valid "] < 1000 || statuses["digest valid "] < 1000 {
		t.Errorf("validation %v", statuses)
	}
	var stored int
	for _, o := range sink.objects {
		if o.BlobSHA256 != nil && strings.Contains(o.Key, "/CloudTrail/") {
			stored++
		}
	}
	if stored != logFiles {
		t.Errorf("%d log files stored, %d validated", stored, logFiles)
	}
	// What each trail could see.
	trails := sink.kind(KindTrail)
	if len(trails) == 0 {
		t.Fatal("no trail recorded")
	}
	for _, r := range trails {
		var n struct{ Coverage *Coverage }
		if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil || n.Coverage == nil {
			t.Fatalf("trail %s: coverage missing: %s", r.ARN, r.Normalized)
		}
		if strings.HasSuffix(r.ARN, "trail/org-trail") && (!n.Coverage.S3 || n.Coverage.Bedrock || n.Coverage.Lambda) {
			t.Errorf("org trail coverage %+v, want S3 data events only", *n.Coverage)
		}
		if strings.HasSuffix(r.ARN, "trail/management-events") && (n.Coverage.S3 || n.Coverage.Bedrock || !n.Coverage.Management) {
			t.Errorf("management trail coverage %+v", *n.Coverage)
		}
	}
}

// untampered takes the tampering out of a scenario's trails.
func untampered(sc *lab.Scenario) *lab.Scenario {
	for _, acct := range sc.Accounts() {
		for _, r := range sc.Account(acct).Regions {
			for _, tr := range r.Trails {
				tr.Tampering = nil
			}
		}
	}
	return sc
}

// expectedEvents follows SCENARIO.md: a trail's files hold, for every
// account it covers and every region (its home only, unless multi-region),
// the management events between its startLoggingTime and
// latestDeliveryTime, and the data events when it selects them.
func expectedEvents(t *testing.T, sc *lab.Scenario) map[string][]string {
	want := map[string][]string{}
	for _, owner := range sc.Accounts() {
		a := sc.Account(owner)
		for home, r := range a.Regions {
			for _, tr := range r.Trails {
				members := []string{owner}
				if tr.IsOrganization && owner == sc.Organization.ManagementAccount {
					members = sc.Accounts()
				}
				for _, m := range members {
					for region, mr := range sc.Account(m).Regions {
						if !tr.IsMultiRegion && region != home {
							continue
						}
						k := m + "/" + region
						want[k] = append(want[k], sc.EventIDs(m, region, tr.StartLoggingTime, tr.LatestDeliveryTime)...)
						if selectsData(tr) {
							for _, raw := range mr.DataEvents {
								var ev struct{ EventID string }
								if err := json.Unmarshal(raw, &ev); err != nil {
									t.Fatal(err)
								}
								want[k] = append(want[k], ev.EventID)
							}
						}
					}
				}
			}
		}
	}
	for k, ids := range want {
		slices.Sort(ids)
		ids = slices.Compact(ids)
		if len(ids) == 0 {
			delete(want, k)
			continue
		}
		want[k] = ids
	}
	return want
}

func selectsData(tr *lab.Trail) bool {
	if len(tr.DataEvents) > 0 {
		return true
	}
	for _, a := range tr.Advanced {
		for _, f := range a.FieldSelectors {
			if f.Field == "eventCategory" && slices.Contains(f.Equals, "Data") {
				return true
			}
		}
	}
	return false
}

func listKeys(t *testing.T, c *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	slices.Sort(keys)
	return keys
}
