package lab

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestTamperedTrailFiles reads the hours step 10 of the built-in incident
// tampered with: the rewritten log file's current version lacks the hidden
// records and no longer hashes to its digest's value, while its noncurrent
// version, as delivered, does; the next hour's log file and digest are
// delete markers over the delivered versions.
func TestTamperedTrailFiles(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "aws-cloudtrail-logs-" + ProdAccount
	var tm []FileTampering
	for _, tr := range s.Scenario().region(ProdAccount, "us-east-1").Trails {
		tm = append(tm, tr.Tampering...)
	}
	if len(tm) != 2 {
		t.Fatalf("tampering %+v", tm)
	}
	hour := tm[0].Hour
	day := "AWSLogs/" + ProdAccount + "/CloudTrail/us-east-1/" + hour.Format("2006/01/02") + "/"
	digestDay := "AWSLogs/" + ProdAccount + "/CloudTrail-Digest/us-east-1/" + hour.Format("2006/01/02") + "/"
	versions := func(prefix, marker string) (cur, old []string, deleted bool) {
		out, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.Versions {
			if !strings.Contains(aws.ToString(v.Key), marker) {
				continue
			}
			if aws.ToBool(v.IsLatest) {
				cur = append(cur, aws.ToString(v.Key))
			} else {
				old = append(old, aws.ToString(v.VersionId))
			}
		}
		for _, d := range out.DeleteMarkers {
			deleted = deleted || strings.Contains(aws.ToString(d.Key), marker) && aws.ToBool(d.IsLatest)
		}
		return cur, old, deleted
	}

	// The rewritten hour.
	cur, old, _ := versions(day, "_"+hour.Add(time.Hour).Format("20060102T1504Z")+"_")
	if len(cur) != 1 || len(old) != 1 {
		t.Fatalf("rewritten log file: current %v, noncurrent %v", cur, old)
	}
	now, _ := fetch(t, cl, bucket, cur[0])
	for _, id := range tm[0].RemoveEvents {
		if bytes.Contains(now, []byte(id)) {
			t.Errorf("hidden record %s is still in the current version", id)
		}
	}
	got, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(cur[0]), VersionId: aws.String(old[0])})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(got.Body)
	if err != nil {
		t.Fatal(err)
	}
	delivered, err := io.ReadAll(zr)
	got.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	digests, _, _ := versions(digestDay, "_"+hour.Add(time.Hour).Format("20060102T150405Z"))
	if len(digests) != 1 {
		t.Fatalf("digests of the rewritten hour: %v", digests)
	}
	body, _ := fetch(t, cl, bucket, digests[0])
	var d digestFile
	if err := json.Unmarshal(body, &d); err != nil || len(d.LogFiles) != 1 {
		t.Fatalf("digest %s: %v %+v", digests[0], err, d)
	}
	sum, was := sha256.Sum256(now), sha256.Sum256(delivered)
	if d.LogFiles[0].HashValue == hex.EncodeToString(sum[:]) || d.LogFiles[0].HashValue != hex.EncodeToString(was[:]) {
		t.Error("the digest does not hash the delivered version, or the rewritten file still hashes to it")
	}
	orig := s.Scenario().EventIDs(ProdAccount, "us-east-1", hour, hour.Add(time.Hour-time.Nanosecond))
	if n := strings.Count(string(now), `"eventID"`); n != len(orig)-len(tm[0].RemoveEvents) {
		t.Errorf("rewritten file holds %d records, the hour had %d of which %d hidden", n, len(orig), len(tm[0].RemoveEvents))
	}

	// The deleted hour: log file and digest.
	next := hour.Add(2 * time.Hour)
	if cur, old, deleted := versions(day, "_"+next.Format("20060102T1504Z")+"_"); len(cur) != 0 || len(old) != 1 || !deleted {
		t.Errorf("deleted log file: current %v, noncurrent %v, delete marker %v", cur, old, deleted)
	}
	if cur, old, deleted := versions(digestDay, "_"+next.Format("20060102T150405Z")); len(cur) != 0 || len(old) != 1 || !deleted {
		t.Errorf("deleted digest: current %v, noncurrent %v, delete marker %v", cur, old, deleted)
	}
}
