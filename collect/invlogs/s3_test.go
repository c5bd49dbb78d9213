package invlogs

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

type s3Sink struct {
	mu      sync.Mutex
	rows    []*schemas.Invocation
	targets []collect.Target
	objects map[string]*schemas.Object // kind + key
	blobs   map[string][]byte
	gaps    []collect.Gap
}

func (s *s3Sink) Put(_ context.Context, e collect.Evidence) error {
	var body []byte
	if e.Body != nil {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		body = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r := e.Row.(type) {
	case *schemas.Invocation:
		s.rows = append(s.rows, r)
		s.targets = append(s.targets, e.Unit.Target)
	case *schemas.Object:
		s.objects[e.Kind+" "+r.Key] = r
		if body != nil {
			sum := sha256.Sum256(body)
			s.blobs[hex.EncodeToString(sum[:])] = body
			r.SetBlob(hex.EncodeToString(sum[:]), int64(len(body)))
		}
	}
	return nil
}

func (s *s3Sink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gaps = append(s.gaps, g)
	return nil
}

// TestS3LogsFromLab delivers invocation logs to S3 as Bedrock does, with a
// body over the inline limit in the large-data bucket and one whose object
// is gone, and reads them through the logging configuration.
func TestS3LogsFromLab(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	acct := sc.Account(lab.ProdAccount)
	since, until := sc.Window()
	day := since.Add(26 * time.Hour).UTC()
	logBucket, largeBucket := "genai-invocation-logs-"+acct.ID, "genai-invocation-large-"+acct.ID
	largeKey := "large/AWSLogs/" + acct.ID + "/BedrockModelInvocationLogs/us-east-1/" + day.Format("2006/01/02/15") + "/data/r2_input.json"
	large := `{"messages":[{"role":"user","content":"` + strings.Repeat("poison ", 20000) + `"}]}`
	lines := []string{
		`{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"` + day.Format(time.RFC3339) + `","accountId":"` + acct.ID + `","region":"us-east-1","requestId":"r1","operation":"Converse","modelId":"amazon.nova-lite-v1:0","identity":{"arn":"arn:aws:sts::` + acct.ID + `:assumed-role/app/s"},"input":{"inputContentType":"application/json","inputBodyJson":{"messages":[{"role":"user","content":[{"text":"hello"}]}]},"inputTokenCount":2},"output":{"outputContentType":"application/json","outputBodyJson":{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}}},"outputTokenCount":1}}`,
		`{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"` + day.Format(time.RFC3339) + `","accountId":"` + acct.ID + `","region":"us-east-1","requestId":"r2","operation":"InvokeModel","modelId":"anthropic.claude-3-haiku-20240307-v1:0","input":{"inputContentType":"application/json","inputBodyS3Path":"s3://` + largeBucket + "/" + largeKey + `","inputTokenCount":140000},"output":{"outputContentType":"application/json","outputBodyS3Path":"s3://` + largeBucket + `/large/gone.json","outputTokenCount":9}}`,
		`{"schemaType":"ModelInvocationLog","requestId":"cut`,
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(strings.Join(lines, "\n") + "\n"))
	zw.Close()
	logKey := "logs/AWSLogs/" + acct.ID + "/BedrockModelInvocationLogs/us-east-1/" + day.Format("2006/01/02/15") + "/" + day.Format("20060102T150405") + "000Z_abc.json.gz"
	obj := func(key, body string) *lab.ObjectVersion {
		return &lab.ObjectVersion{Key: key, VersionID: "null", IsLatest: true, LastModified: day.Add(5 * time.Minute), Body: body, StorageClass: "STANDARD", ETag: `"e"`}
	}
	acct.Buckets = append(acct.Buckets,
		&lab.Bucket{Name: logBucket, Region: "us-east-1", CreationDate: since, Objects: []*lab.ObjectVersion{obj(logKey, gz.String())}},
		&lab.Bucket{Name: largeBucket, Region: "us-east-1", CreationDate: since, Objects: []*lab.ObjectVersion{obj(largeKey, large)}},
	)
	// The built-in incident deletes the logging configuration; this estate
	// delivers to S3 instead.
	acct.Regions["us-east-1"].LoggingConfig = &lab.LoggingConfig{S3Config: &lab.S3Config{BucketName: logBucket, KeyPrefix: "logs"}, TextDataDeliveryEnabled: true}

	l := labtest.Start(t, sc)
	src := &S3Logs{
		Since: since, Until: until,
		Configured: func(t collect.Target) (LoggingConfigAPI, error) {
			return bedrock.NewFromConfig(l.Session.Config(t)), nil
		},
		Client: func(t collect.Target) (S3API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
	}
	sink := &s3Sink{objects: map[string]*schemas.Object{}, blobs: map[string][]byte{}}
	if _, err := collect.Run(context.Background(), l.Targets, []collect.Source{src}, sink, collect.Options{}); err != nil {
		t.Fatal(err)
	}
	if len(sink.rows) != 3 {
		t.Fatalf("%d rows, want 3", len(sink.rows))
	}
	for i, r := range sink.rows {
		if r.Via != ViaS3 || sink.targets[i].Account != acct.ID || sink.targets[i].Region != "us-east-1" || r.Raw != lines[i] {
			t.Errorf("row %d: via %s target %+v raw %q", i, r.Via, sink.targets[i], r.Raw)
		}
	}
	if sink.rows[0].Prompt == nil || *sink.rows[0].Prompt != "user: hello" || sink.rows[2].RequestID != "" {
		t.Errorf("rows %+v %+v", sink.rows[0], sink.rows[2])
	}
	f := sink.objects[KindLogFile+" "+logKey]
	if f == nil || f.BlobSHA256 == nil || !bytes.Equal(sink.blobs[*f.BlobSHA256], gz.Bytes()) {
		t.Fatalf("log file not kept byte-exact: %+v", f)
	}
	p := sink.objects[KindPayload+" "+largeKey]
	if p == nil || p.BlobSHA256 == nil || string(sink.blobs[*p.BlobSHA256]) != large || !strings.HasPrefix(p.LedBy, "s3://"+largeBucket) {
		t.Fatalf("large body not kept: %+v", p)
	}
	if len(sink.gaps) != 1 || sink.gaps[0].Cause != "NoSuchKey" || !strings.Contains(sink.gaps[0].Message, "gone.json") {
		t.Fatalf("gaps %+v, want the missing body only", sink.gaps)
	}
}
