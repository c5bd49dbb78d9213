package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/custodyhq/custody/archive"
)

// benchLogs writes files gzipped CloudTrail log files of per records each,
// shaped as scripts/ingestbench writes them, in a trail bucket layout.
func benchLogs(b *testing.B, dir string, files, per int) int64 {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	sources := []string{"bedrock.amazonaws.com", "s3.amazonaws.com", "iam.amazonaws.com", "sts.amazonaws.com", "kms.amazonaws.com"}
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	var size int64
	for f := range files {
		acct, region := fmt.Sprintf("1111222233%02d", f%3), []string{"us-east-1", "us-west-2", "eu-west-1"}[f/3%3]
		at := start.Add(time.Duration(f) * 5 * time.Minute)
		var body bytes.Buffer
		body.WriteString(`{"Records":[`)
		for i := range per {
			if i > 0 {
				body.WriteByte(',')
			}
			src := sources[rng.IntN(len(sources))]
			params := map[string]any{"bucketName": "kb-docs", "key": fmt.Sprintf("docs/%06d.md", rng.IntN(1_000_000))}
			if rng.IntN(50) == 0 {
				params["policyDocument"] = strings.Repeat(`{"Effect":"Allow"}`, 100+rng.IntN(400))
			}
			rec, _ := json.Marshal(map[string]any{
				"eventVersion": "1.10",
				"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLE:session", "arn": "arn:aws:sts::" + acct + ":assumed-role/app/session",
					"accountId": acct, "accessKeyId": fmt.Sprintf("ASIA%016d", rng.IntN(1e9)),
					"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::" + acct + ":role/app"},
						"attributes": map[string]any{"creationDate": at.Format(time.RFC3339), "mfaAuthenticated": "false"}}},
				"eventTime": at.Add(time.Duration(i) * 100 * time.Millisecond).Format(time.RFC3339), "eventSource": src, "eventName": "InvokeModel",
				"awsRegion": region, "sourceIPAddress": fmt.Sprintf("203.0.113.%d", rng.IntN(255)), "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux",
				"requestParameters": params, "responseElements": nil, "requestID": fmt.Sprintf("%08x-%04x", rng.Uint32(), rng.IntN(65536)),
				"eventID":  fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.IntN(65536), rng.IntN(4096), rng.IntN(4096), rng.Uint64()&0xffffffffffff),
				"readOnly": rng.IntN(4) != 0, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": acct, "eventCategory": "Management",
				"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": src},
			})
			body.Write(rec)
			size += int64(len(rec))
		}
		body.WriteString("]}")
		d := filepath.Join(dir, "AWSLogs", acct, "CloudTrail", region, at.Format("2006/01/02"))
		if err := os.MkdirAll(d, 0o755); err != nil {
			b.Fatal(err)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(body.Bytes())
		zw.Close()
		if err := os.WriteFile(filepath.Join(d, fmt.Sprintf("%s_CloudTrail_%s_%s_%06d.json.gz", acct, region, at.Format("20060102T1504Z"), f)), gz.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return size
}

// BenchmarkIngestTrailLogs seals log files into a bundle, as custody
// ingest does: blobs, rows, Parquet, signature. For profiles:
//
//	go test -run '^$' -bench IngestTrailLogs -benchtime 3x -cpuprofile cpu.out ./ingest/
func BenchmarkIngestTrailLogs(b *testing.B) {
	const files, per = 12, 2500
	logs := b.TempDir()
	size := benchLogs(b, logs, files, per)
	ctx := context.Background()
	signer, pub, err := archive.LoadSigner(ctx, "../testdata/keys/ed25519.key", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		out := filepath.Join(b.TempDir(), "bundle")
		w, err := archive.Create(out, archive.WriterOptions{Signer: signer, PublicKey: pub})
		if err != nil {
			b.Fatal(err)
		}
		st, err := Run(ctx, []string{logs}, w, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Close(ctx); err != nil {
			b.Fatal(err)
		}
		if st.Rows < files*per {
			b.Fatalf("%d rows", st.Rows)
		}
	}
	b.ReportMetric(float64(files*per)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
