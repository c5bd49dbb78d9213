package lab

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"io"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// fetch downloads an object and returns its gunzipped content and
// metadata.
func fetch(t *testing.T, cl *s3.Client, bucket, key string) ([]byte, map[string]string) {
	t.Helper()
	out, err := cl.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return b, out.Metadata
}

func listKeys(t *testing.T, cl *s3.Client, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// TestTrailFilesAndDigests reads the member trail's files as a validator
// would: every log file hashed into a digest, every digest signed with the
// key ListPublicKeys serves and chained to the one before, and the records
// the files hold are the events LookupEvents serves.
func TestTrailFilesAndDigests(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, _ := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "aws-cloudtrail-logs-" + ProdAccount
	region := "eu-west-1"
	base := "AWSLogs/" + ProdAccount + "/"

	keys, err := cloudtrail.NewFromConfig(cfg).ListPublicKeys(ctx, &cloudtrail.ListPublicKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKCS1PublicKey(keys.PublicKeyList[0].Value)
	if err != nil {
		t.Fatal(err)
	}

	logHashes := map[string]string{}
	var ids []string
	for _, k := range listKeys(t, cl, bucket, base+"CloudTrail/"+region+"/") {
		body, _ := fetch(t, cl, bucket, k)
		sum := sha256.Sum256(body)
		logHashes[k] = hex.EncodeToString(sum[:])
		var f struct{ Records []struct{ EventID string } }
		if err := json.Unmarshal(body, &f); err != nil || len(f.Records) == 0 {
			t.Fatalf("%s: %v", k, err)
		}
		for _, r := range f.Records {
			ids = append(ids, r.EventID)
		}
	}
	var trail *Trail
	for _, tr := range s.Scenario().region(ProdAccount, "us-east-1").Trails {
		trail = tr
	}
	want := s.Scenario().EventIDs(ProdAccount, region, trail.StartLoggingTime, trail.LatestDeliveryTime)
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("trail files hold %d events, LookupEvents %d", len(ids), len(want))
	}

	digests := listKeys(t, cl, bucket, base+"CloudTrail-Digest/"+region+"/")
	if len(digests) < 100 {
		t.Fatalf("%d digests", len(digests))
	}
	covered := map[string]bool{}
	prevSig, prevHash, prevKey := "", "", ""
	for _, k := range digests {
		body, meta := fetch(t, cl, bucket, k)
		var d digestFile
		if err := json.Unmarshal(body, &d); err != nil {
			t.Fatal(err)
		}
		if d.DigestS3Object != k || d.DigestPublicKeyFingerprint != aws.ToString(keys.PublicKeyList[0].Fingerprint) || meta["signature-algorithm"] != "SHA256withRSA" {
			t.Fatalf("digest %s: %+v %v", k, d, meta)
		}
		sum := sha256.Sum256(body)
		prev := "null"
		if prevKey != "" {
			if aws.ToString(d.PreviousDigestSignature) != prevSig || aws.ToString(d.PreviousDigestHashValue) != prevHash || aws.ToString(d.PreviousDigestS3Object) != prevKey {
				t.Fatalf("digest %s does not chain to %s", k, prevKey)
			}
			prev = prevSig
		}
		sig, err := hex.DecodeString(meta["signature"])
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256([]byte(d.DigestEndTime + "\n" + bucket + "/" + k + "\n" + hex.EncodeToString(sum[:]) + "\n" + prev))
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, h[:], sig); err != nil {
			t.Fatalf("digest %s: signature: %v", k, err)
		}
		for _, lf := range d.LogFiles {
			if logHashes[lf.S3Object] != lf.HashValue {
				t.Fatalf("digest %s: log file %s hash %s, file hashes to %s", k, lf.S3Object, lf.HashValue, logHashes[lf.S3Object])
			}
			covered[lf.S3Object] = true
		}
		prevSig, prevHash, prevKey = meta["signature"], hex.EncodeToString(sum[:]), k
	}
	if len(covered) != len(logHashes) {
		t.Fatalf("digests cover %d of %d log files", len(covered), len(logHashes))
	}
}

// TestOrganizationTrailHoldsDataEvents finds the knowledge-base writes,
// which LookupEvents does not serve, in the organization trail's files.
func TestOrganizationTrailHoldsDataEvents(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	cfg, _ := memberConfig(t, s, url, ManagementAccount, "us-east-1")
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := "aws-cloudtrail-logs-" + ManagementAccount + "-org"
	prefix := "AWSLogs/" + s.Scenario().Organization.ID + "/" + ProdAccount + "/CloudTrail/us-east-1/" + DefaultAnchor.Format("2006/01/02") + "/"
	var puts []string
	for _, k := range listKeys(t, cl, bucket, prefix) {
		body, _ := fetch(t, cl, bucket, k)
		if !bytes.Contains(body, []byte(`"PutObject"`)) {
			continue
		}
		var f struct {
			Records []struct {
				EventName         string
				EventCategory     string
				RequestParameters struct{ Key string }
			}
		}
		if err := json.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		for _, r := range f.Records {
			if r.EventName == "PutObject" && r.EventCategory == "Data" {
				puts = append(puts, r.RequestParameters.Key)
			}
		}
	}
	slices.Sort(puts)
	want := slices.Clone(PoisonedKeys)
	slices.Sort(want)
	if !slices.Equal(puts, want) {
		t.Fatalf("PutObject data events for %v, want %v", puts, want)
	}
	for _, e := range s.Scenario().region(ProdAccount, "us-east-1").events {
		if e.Name == "PutObject" {
			t.Fatal("a data event is served by LookupEvents")
		}
	}
}
