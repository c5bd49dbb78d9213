// Command benchbundle writes a large evidence bundle of realistic CloudTrail
// events for benchmarks: many principals and source IPs, Bedrock enumeration
// and invocation mixed with everyday management calls, across accounts and
// regions. Usage: benchbundle -events N -out DIR -key PREFIX
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

func main() {
	events := flag.Int("events", 5_000_000, "CloudTrail events to write")
	out := flag.String("out", "", "bundle directory to create")
	keyPrefix := flag.String("key", "", "write the signing key pair as PREFIX.key and PREFIX.pub")
	flag.Parse()
	if *out == "" || *keyPrefix == "" {
		log.Fatal("benchbundle: -out and -key are required")
	}
	key, err := archive.GenerateKey("ed25519")
	if err != nil {
		log.Fatal(err)
	}
	if err := archive.WriteKeyPair(*keyPrefix+".key", *keyPrefix+".pub", key, nil); err != nil {
		log.Fatal(err)
	}
	signer, err := archive.SignerFor(key)
	if err != nil {
		log.Fatal(err)
	}
	w, err := archive.Create(*out, archive.WriterOptions{Signer: signer, PublicKey: key.Public(), Actor: "benchbundle"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	accounts := []string{"111122223333", "444455556666", "777788889999"}
	regions := []string{"us-east-1", "us-west-2", "eu-west-1"}
	names := []struct{ source, name string }{
		{"bedrock.amazonaws.com", "InvokeModel"}, {"bedrock.amazonaws.com", "Converse"},
		{"bedrock.amazonaws.com", "ListFoundationModels"}, {"bedrock.amazonaws.com", "GetFoundationModelAvailability"},
		{"s3.amazonaws.com", "GetObject"}, {"sts.amazonaws.com", "AssumeRole"}, {"ec2.amazonaws.com", "DescribeInstances"},
		{"iam.amazonaws.com", "GetRole"}, {"lambda.amazonaws.com", "Invoke"}, {"kms.amazonaws.com", "Decrypt"},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	span := 14 * 24 * time.Hour
	for i := range *events {
		acct, region := accounts[i%len(accounts)], regions[(i/len(accounts))%len(regions)]
		n := names[rng.IntN(len(names))]
		principal := fmt.Sprintf("arn:aws:sts::%s:assumed-role/app-%d/session-%d", acct, rng.IntN(40), rng.IntN(400))
		ip := fmt.Sprintf("10.%d.%d.%d", rng.IntN(4), rng.IntN(16), rng.IntN(250))
		if rng.IntN(1000) == 0 {
			principal = fmt.Sprintf("arn:aws:iam::%s:user/ci-%d", acct, rng.IntN(5))
			ip = fmt.Sprintf("185.220.%d.%d", rng.IntN(250), rng.IntN(250))
		}
		t := start.Add(time.Duration(rng.Int64N(int64(span))))
		id := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", rng.Uint32(), rng.IntN(1<<16), rng.IntN(1<<12), rng.IntN(1<<12), rng.Uint64()>>16)
		params := fmt.Sprintf(`{"modelId":"anthropic.claude-3-%d","bucket":"kb-%d"}`, rng.IntN(4), rng.IntN(8))
		raw, _ := json.Marshal(map[string]any{
			"eventVersion": "1.09", "eventID": id, "eventTime": t.Format(time.RFC3339), "eventSource": n.source, "eventName": n.name,
			"awsRegion": region, "sourceIPAddress": ip, "userAgent": "Boto3/1.34.0 md/Botocore#1.34.0 ua/2.0 os/linux#6.1",
			"userIdentity":      map[string]any{"type": "AssumedRole", "arn": principal, "accountId": acct},
			"requestParameters": json.RawMessage(params), "readOnly": true, "eventType": "AwsApiCall",
			"managementEvent": true, "recipientAccountId": acct, "eventCategory": "Management",
		})
		ro := true
		row := &schemas.CloudTrailEvent{
			EventID: id, EventTime: t, EventVersion: "1.09", EventSource: n.source, EventName: n.name, EventType: "AwsApiCall",
			EventCategory: "Management", AWSRegion: region, RecipientAccountID: acct, SourceIPAddress: ip,
			UserAgent: "Boto3/1.34.0", RequestID: id, ReadOnly: &ro, UserIdentityType: "AssumedRole", UserIdentityARN: principal,
			RequestParameters: &params, Time: t, APIOperation: n.name, APIServiceName: n.source, CloudRegion: region,
			CloudAccountUID: acct, MetadataUID: id, ActorUserUID: principal, SrcEndpointIP: ip, Element: "invocation",
			Via: "lookup", RecordIndex: int64(i), AcquiredAt: start, Parsed: true, Raw: string(raw),
		}
		u := schemas.Unit{Source: "cloudtrail.lookup", ID: "events", Target: schemas.Target{Account: acct, Region: region}}
		if err := w.Put(ctx, schemas.Evidence{Kind: schemas.KindCloudTrailEvent, Unit: u, ObjectID: id, Row: row}); err != nil {
			log.Fatal(err)
		}
	}
	w.SetRun(schemas.Run{Case: "bench", Kind: "evidence", Since: start, Until: start.Add(span), Started: start})
	if _, err := w.Close(ctx); err != nil {
		log.Fatal(err)
	}
}
