package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/report"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// TestIngestTrailBucketCopy copies one account-region of the lab's
// organization trail bucket to disk, as `aws s3 sync` would, with each
// digest's signature metadata beside it; then damages the copy as an
// intruder would (one log file rewritten, one digest deleted) and seals it
// with `custody ingest`. The bundle verifies, holds exactly the records of
// the files, and reports the rewritten file and the broken chain.
func TestIngestTrailBucketCopy(t *testing.T) {
	srv, url := startBuiltinLab(t)
	ctx := context.Background()
	r := srv.Responder()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(r.Region), config.WithBaseEndpoint(url),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(r.AccessKeyID, r.SecretAccessKey, "")))
	if err != nil {
		t.Fatal(err)
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "aws-cloudtrail-logs-" + lab.ManagementAccount + "-org"
	org, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("AWSLogs/"), Delimiter: aws.String("/")})
	if err != nil || len(org.CommonPrefixes) != 1 {
		t.Fatalf("organization prefix: %v %d", err, len(org.CommonPrefixes))
	}
	base := aws.ToString(org.CommonPrefixes[0].Prefix) + lab.ProdAccount + "/"

	dir := t.TempDir()
	copyTo := filepath.Join(dir, "copy", bucket)
	var logs, digests []string
	wantIDs := []string{}
	for _, sub := range []string{"CloudTrail/us-east-1/", "CloudTrail-Digest/us-east-1/"} {
		p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(base + sub)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page.Contents {
				key := aws.ToString(o.Key)
				out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(out.Body)
				out.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(copyTo, filepath.FromSlash(key))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, body, 0o644); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(sub, "Digest") {
					digests = append(digests, path)
					sig := out.Metadata["signature"]
					if len(digests)%2 == 0 {
						head, _ := json.Marshal(map[string]any{"ContentLength": len(body), "Metadata": out.Metadata})
						os.WriteFile(path+".head.json", head, 0o644)
					} else {
						os.WriteFile(path+".sig", []byte(sig+"\n"), 0o644)
					}
					continue
				}
				logs = append(logs, path)
				wantIDs = append(wantIDs, recordIDs(t, body)...)
			}
		}
	}
	if len(logs) < 10 || len(digests) < 10 {
		t.Fatalf("%d log files, %d digests", len(logs), len(digests))
	}
	// The damage: one log file rewritten with the same records, one digest
	// and its signature deleted.
	tampered := logs[3]
	content := gunzip(t, tampered)
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(bytes.Replace(content, []byte(`{"Records":[`), []byte(`{"Records":[ `), 1))
	zw.Close()
	if err := os.WriteFile(tampered, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	deleted := digests[len(digests)/2]
	for _, p := range []string{deleted, deleted + ".sig", deleted + ".head.json"} {
		os.Remove(p)
	}
	broken := digests[len(digests)/2+1]

	keys, err := cloudtrail.NewFromConfig(cfg).ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	type cliKey struct {
		Value                              []byte
		ValidityStartTime, ValidityEndTime string
		Fingerprint                        string
	}
	var list []cliKey
	for _, k := range keys.PublicKeyList {
		list = append(list, cliKey{k.Value, aws.ToTime(k.ValidityStartTime).Format(time.RFC3339), aws.ToTime(k.ValidityEndTime).Format(time.RFC3339), aws.ToString(k.Fingerprint)})
	}
	kb, _ := json.MarshalIndent(map[string]any{"PublicKeyList": list}, "", "    ")
	keyFile := filepath.Join(dir, "public-keys.json")
	os.WriteFile(keyFile, kb, 0o644)

	writeTestKey(t, dir)
	out := filepath.Join(dir, "bundle")
	var stderr bytes.Buffer
	code := run(ctx, []string{"custody", "ingest", "--case", "copy", "--key", filepath.Join(dir, "k.key"), "--out", out,
		"--cloudtrail-public-keys", keyFile, filepath.Join(dir, "copy")}, bytes.NewReader(nil), io.Discard, &stderr)
	if code != 0 {
		t.Fatalf("ingest exited %d: %s", code, stderr.String())
	}
	t.Log(strings.TrimSpace(stderr.String()))

	rd := openVerified(t, out, filepath.Join(dir, "k.pub"))
	defer rd.Close()
	if g := rd.Manifest().Gaps; len(g) != 0 {
		t.Errorf("gaps: %+v", g)
	}
	var gotIDs []string
	err = rd.ScanRows(ctx, schemas.TableCloudTrailEvents, func(p archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		if !ev.Parsed || ev.Via != "trail-file" || ev.BlobSHA256 == nil || p.Account != ev.RecipientAccountID || p.Region != ev.AWSRegion {
			t.Fatalf("row %s: parsed %v via %s partition %+v", ev.EventID, ev.Parsed, ev.Via, p)
		}
		gotIDs = append(gotIDs, ev.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(gotIDs)
	slices.Sort(wantIDs)
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("%d rows, the files hold %d records", len(gotIDs), len(wantIDs))
	}
	statuses := map[string]int{}
	err = rd.ScanRows(ctx, schemas.TableResources, func(_ archive.Partition, _ schemas.Meta, row schemas.Row) error {
		res := row.(*schemas.Resource)
		var n struct{ File, Check string }
		json.Unmarshal([]byte(res.Normalized), &n)
		statuses[n.File+" "+res.Status+" "+n.Check]++
		switch {
		case strings.HasSuffix(filepath.ToSlash(tampered), res.ID):
			if res.Status != "invalid" || n.Check != "hash" {
				t.Errorf("rewritten file %s: %s %s", res.ID, res.Status, n.Check)
			}
		case strings.HasSuffix(filepath.ToSlash(broken), res.ID):
			if res.Status != "invalid" || n.Check != "chain-missing" {
				t.Errorf("digest after the deleted one %s: %s %s", res.ID, res.Status, n.Check)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation: %v", statuses)
	if statuses["log invalid hash"] != 1 || statuses["digest invalid chain-missing"] != 1 ||
		statuses["log valid "]+statuses["log no-digest "]+1 != len(logs) || statuses["digest valid "] != len(digests)-2 {
		t.Errorf("validation %v of %d log files and %d digests", statuses, len(logs), len(digests))
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func recordIDs(t *testing.T, gz []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Records []struct{ EventID string } }
	if err := json.NewDecoder(zr).Decode(&f); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range f.Records {
		ids = append(ids, r.EventID)
	}
	return ids
}

// TestCollectTrailFilesBundle collects the lab's trail files into a bundle:
// it verifies, has no gaps, every log file and digest the trails delivered
// is validated and valid but for the incident's tampering (one log file
// rewritten, one digest deleted: SCENARIO.md step 10), and every record is
// a row in the partition of the account and region it names.
func TestCollectTrailFilesBundle(t *testing.T) {
	if testing.Short() {
		t.Skip("reads every trail file of the built-in estate")
	}
	srv, url := startBuiltinLab(t)
	dir := t.TempDir()
	writeTestKey(t, dir)
	r := srv.Responder()
	since, until := srv.Scenario().Window()
	out := filepath.Join(dir, "bundle")
	ctx := context.Background()
	_, err := runCollect(ctx, testEnv(), &collectOptions{
		EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
		Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"all"},
		Since: since, Until: until, Sources: []string{trailfiles.Name}, Case: "files", Out: out,
		Key: filepath.Join(dir, "k.key"), Parallel: collect.DefaultParallel, DefaultRate: 200, Quiet: true,
	})
	if err != nil {
		t.Fatalf("collect: %v", err)
	}
	rd := openVerified(t, out, filepath.Join(dir, "k.pub"))
	defer rd.Close()
	if g := rd.Manifest().Gaps; len(g) != 0 {
		t.Fatalf("%d gaps; first %+v", len(g), g[0])
	}
	ids := map[string]bool{}
	err = rd.ScanRows(ctx, schemas.TableCloudTrailEvents, func(p archive.Partition, _ schemas.Meta, row schemas.Row) error {
		ev := row.(*schemas.CloudTrailEvent)
		if ev.Via != trailfiles.Via || !ev.Parsed || ev.BlobSHA256 == nil || p.Account != ev.RecipientAccountID || p.Region != ev.AWSRegion {
			t.Fatalf("row %s via %s parsed %v in %+v", ev.EventID, ev.Via, ev.Parsed, p)
		}
		ids[ev.EventID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]int{}
	err = rd.ScanRows(ctx, schemas.TableObjects, func(_ archive.Partition, m schemas.Meta, _ schemas.Row) error {
		files[m.Kind]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	valid, invalid := map[string]int{}, map[string]int{}
	err = rd.ScanRows(ctx, schemas.TableResources, func(_ archive.Partition, m schemas.Meta, row schemas.Row) error {
		res := row.(*schemas.Resource)
		if res.Kind != trailfiles.KindValidation {
			return nil
		}
		var n struct{ File, Check string }
		json.Unmarshal([]byte(res.Normalized), &n)
		if res.Status != "valid" {
			invalid[n.File+" "+res.Status+" "+n.Check]++
			if !strings.Contains(res.ARN, "/"+lab.ProdAccount+"/") {
				t.Errorf("%s: %s %s", res.ARN, res.Status, res.Normalized)
			}
		}
		valid[n.File]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if valid["log"] != files[trailfiles.KindLogFile] || valid["log"] == 0 || valid["digest"] == 0 || valid["digest"] > files[trailfiles.KindDigestFile] {
		t.Errorf("validated %v of files %v", valid, files)
	}
	if len(invalid) != 2 || invalid["log invalid hash"] != 1 || invalid["digest invalid chain-missing"] != 1 {
		t.Errorf("not valid: %v, want the rewritten log file and the digest after the deleted one", invalid)
	}
	if len(ids) < 10000 {
		t.Errorf("%d distinct events", len(ids))
	}
	t.Logf("%d distinct events, files %v, validated %v", len(ids), files, valid)

	// The triage report names both.
	rep := filepath.Join(dir, "report.json")
	if code, stderr := runReportCmd(t, "--key", filepath.Join(dir, "k.pub"), "--format", "json", "--out", rep, out); code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	checks := map[string]bool{}
	for _, f := range readReport(t, rep).Findings {
		if f.Rule == "ai.trail-file-tampered" {
			t.Logf("%s: %s", f.Severity, f.Summary)
		}
		if f.Rule == "ai.trail-file-tampered" && f.Severity == report.High && f.Count == 1 && slices.Equal(f.Accounts, []string{lab.ProdAccount}) {
			checks[f.Summary[strings.LastIndex(f.Summary, "(")+1:]] = true
		}
	}
	if len(checks) != 2 {
		t.Errorf("report: %d ai.trail-file-tampered findings of one file in %s, want the rewritten log file and the broken chain: %v", len(checks), lab.ProdAccount, checks)
	}
}

func startBuiltinLab(t *testing.T) (*lab.Server, string) {
	t.Helper()
	return serveLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{})})
}

// serveLab serves a lab with opts on a loopback port until the test ends.
func serveLab(t *testing.T, opts lab.Options) (*lab.Server, string) {
	t.Helper()
	srv, err := lab.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

// writeTestKey writes an unencrypted Ed25519 pair, k.key and k.pub, in dir.
func writeTestKey(t *testing.T, dir string) {
	t.Helper()
	key, err := archive.GenerateKey("ed25519")
	if err != nil {
		t.Fatal(err)
	}
	if err := archive.WriteKeyPair(filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub"), key, nil); err != nil {
		t.Fatal(err)
	}
}

// openVerified verifies a bundle and opens it.
func openVerified(t *testing.T, bundle, pub string) *archive.Reader {
	t.Helper()
	v, err := archive.LoadVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.Verify(context.Background(), bundle, verify.Options{Verifier: v})
	if err != nil || !rep.OK {
		t.Fatalf("verify: %v %v", err, rep.Problems)
	}
	rd, err := archive.Open(bundle)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}
