// Command ingestbench writes realistic CloudTrail log files, gzipped in a
// trail bucket layout, for scripts/bench-ingest.sh.
//
//	ingestbench -out DIR -files N -records M
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

var events = []struct{ source, name string }{
	{"bedrock.amazonaws.com", "InvokeModel"}, {"bedrock.amazonaws.com", "Converse"}, {"bedrock.amazonaws.com", "ListFoundationModels"},
	{"bedrock.amazonaws.com", "GetGuardrail"}, {"s3.amazonaws.com", "GetObject"}, {"s3.amazonaws.com", "PutObject"},
	{"iam.amazonaws.com", "GetRole"}, {"sts.amazonaws.com", "AssumeRole"}, {"lambda.amazonaws.com", "Invoke"},
	{"ec2.amazonaws.com", "DescribeInstances"}, {"kms.amazonaws.com", "Decrypt"}, {"logs.amazonaws.com", "PutLogEvents"},
}

func main() {
	out := flag.String("out", "", "directory to write into")
	files := flag.Int("files", 100, "log files")
	records := flag.Int("records", 2000, "records per file")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "ingestbench: -out is required")
		os.Exit(2)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	accounts := []string{"111122223333", "444455556666", "777788889999"}
	regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	total := 0
	for f := range *files {
		acct, region := accounts[f%len(accounts)], regions[(f/len(accounts))%len(regions)]
		at := start.Add(time.Duration(f) * 5 * time.Minute)
		var body bytes.Buffer
		body.WriteString(`{"Records":[`)
		for i := range *records {
			if i > 0 {
				body.WriteByte(',')
			}
			ev := events[rng.IntN(len(events))]
			params := map[string]any{"bucketName": "kb-docs", "key": fmt.Sprintf("docs/%06d.md", rng.IntN(1_000_000))}
			if rng.IntN(50) == 0 {
				params["policyDocument"] = strings.Repeat("{\"Effect\":\"Allow\"}", 100+rng.IntN(400))
			}
			rec := map[string]any{
				"eventVersion": "1.10",
				"userIdentity": map[string]any{"type": "AssumedRole", "principalId": "AROAEXAMPLE:session", "arn": "arn:aws:sts::" + acct + ":assumed-role/app/session",
					"accountId": acct, "accessKeyId": fmt.Sprintf("ASIA%016d", rng.IntN(1e9)),
					"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "arn": "arn:aws:iam::" + acct + ":role/app"},
						"attributes": map[string]any{"creationDate": at.Format(time.RFC3339), "mfaAuthenticated": "false"}}},
				"eventTime": at.Add(time.Duration(i) * 100 * time.Millisecond).Format(time.RFC3339), "eventSource": ev.source, "eventName": ev.name,
				"awsRegion": region, "sourceIPAddress": fmt.Sprintf("203.0.113.%d", rng.IntN(255)), "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux",
				"requestParameters": params, "responseElements": nil, "requestID": fmt.Sprintf("%08x-%04x", rng.Uint32(), rng.IntN(65536)),
				"eventID":  fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.IntN(65536), rng.IntN(4096), rng.IntN(4096), rng.Uint64()&0xffffffffffff),
				"readOnly": rng.IntN(4) != 0, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": acct, "eventCategory": "Management",
				"tlsDetails": map[string]any{"tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256", "clientProvidedHostHeader": ev.source},
			}
			b, _ := json.Marshal(rec)
			body.Write(b)
			total++
		}
		body.WriteString("]}")
		dir := filepath.Join(*out, "AWSLogs", acct, "CloudTrail", region, at.Format("2006/01/02"))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(body.Bytes())
		zw.Close()
		name := fmt.Sprintf("%s_CloudTrail_%s_%s_%06d.json.gz", acct, region, at.Format("20060102T1504Z"), f)
		if err := os.WriteFile(filepath.Join(dir, name), gz.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	fmt.Printf("records=%d files=%d\n", total, *files)
}
