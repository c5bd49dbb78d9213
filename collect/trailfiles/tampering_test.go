package trailfiles

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
)

// TestLabPlantedTampering collects genai-prod's trail files as the lab's
// built-in incident left them, with the S3 client as is: the log file the
// attacker rewrote without their records is the one file invalid, by its
// hash; the digest after the one the attacker deleted is the one digest
// invalid, its chain broken; every other file and digest is valid. The
// rewritten file's remaining records are kept as rows.
func TestLabPlantedTampering(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a whole account's trail files")
	}
	sc := lab.Builtin(lab.BuiltinOptions{})
	var trail *lab.Trail
	for _, tr := range sc.Account(lab.ProdAccount).Regions["us-east-1"].Trails {
		if tr.Name == "management-events" {
			trail = tr
		}
	}
	if trail == nil || len(trail.Tampering) != 2 {
		t.Fatalf("genai-prod's trail is not tampered with as SCENARIO.md tells: %+v", trail)
	}
	rewrite, deletion := trail.Tampering[0], trail.Tampering[1]
	if len(rewrite.RemoveEvents) == 0 || !deletion.DeleteLog || !deletion.DeleteDigest || !deletion.Hour.Equal(rewrite.Hour.Add(time.Hour)) {
		t.Fatalf("tampering %+v", trail.Tampering)
	}
	// The hidden records are still in event history.
	lookup := sc.EventIDs(lab.ProdAccount, "us-east-1", trail.StartLoggingTime, trail.LatestDeliveryTime)
	for _, id := range rewrite.RemoveEvents {
		if !slices.Contains(lookup, id) {
			t.Fatalf("hidden event %s is not in LookupEvents", id)
		}
	}

	l := labtest.Start(t, sc)
	var targets []collect.Target
	for _, tg := range l.Targets {
		if tg.Account == lab.ProdAccount {
			targets = append(targets, tg)
		}
	}
	since, until := sc.Window()
	src := &Source{
		Since: since, Until: until,
		Trails: func(t collect.Target) (TrailAPI, error) { return cloudtrail.NewFromConfig(l.Session.Config(t)), nil },
		S3:     func(t collect.Target) (S3API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
	}
	sink := newMemSink()
	if _, err := collect.Run(context.Background(), targets, []collect.Source{src}, sink, collect.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, g := range sink.gaps {
		t.Errorf("gap: %+v", g)
	}

	// Names carry the delivery time: log files the end of their hour,
	// digests the end of theirs.
	tamperedName := "_CloudTrail_us-east-1_" + rewrite.Hour.Add(time.Hour).Format("20060102T1504Z") + "_"
	brokenName := "_CloudTrail-Digest_us-east-1_management-events_us-east-1_" + deletion.Hour.Add(2*time.Hour).Format("20060102T150405Z")
	statuses := map[string]int{}
	var tamperedBlob string
	var tamperedRecords int
	for _, r := range sink.kind(KindValidation) {
		var n struct {
			File, Check, Detail string
			BlobSHA256          string `json:"blob_sha256"`
			Records             int
		}
		if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
			t.Fatal(err)
		}
		statuses[n.File+" "+r.Status+" "+n.Check]++
		switch {
		case n.File == "log" && strings.Contains(r.ID, tamperedName):
			if r.Status != "invalid" || n.Check != "hash" || !strings.Contains(r.ID, "/CloudTrail/us-east-1/") {
				t.Errorf("rewritten file %s: %s %s (%s)", r.ID, r.Status, n.Check, n.Detail)
			}
			tamperedBlob, tamperedRecords = n.BlobSHA256, n.Records
		case n.File == "digest" && strings.Contains(r.ID, brokenName):
			if r.Status != "invalid" || n.Check != "chain-missing" {
				t.Errorf("digest after the deleted one %s: %s %s (%s)", r.ID, r.Status, n.Check, n.Detail)
			}
		case r.Status != "valid":
			t.Errorf("%s %s: %s %s (%s)", n.File, r.ID, r.Status, n.Check, n.Detail)
		}
	}
	t.Logf("validation: %v", statuses)
	if statuses["log invalid hash"] != 1 || statuses["digest invalid chain-missing"] != 1 || len(statuses) != 4 ||
		statuses["log valid "] < 100 || statuses["digest valid "] < 300 {
		t.Errorf("want one rewritten file and one broken link, the rest valid: %v", statuses)
	}

	// Rows: every record the files still hold, the rewritten file's
	// included; not the hidden records, nor the deleted hour's.
	deleted := sc.EventIDs(lab.ProdAccount, "us-east-1", deletion.Hour, deletion.Hour.Add(time.Hour-time.Nanosecond))
	if len(deleted) == 0 {
		t.Fatal("the deleted log file held no records: the test proves little")
	}
	inRewritten := sc.EventIDs(lab.ProdAccount, "us-east-1", rewrite.Hour, rewrite.Hour.Add(time.Hour-time.Nanosecond))
	kept := map[string]bool{}
	for _, ev := range sink.events[lab.ProdAccount+"/us-east-1"] {
		kept[ev.EventID] = true
		if ev.BlobSHA256 != nil && *ev.BlobSHA256 == tamperedBlob {
			tamperedRecords--
		}
	}
	if tamperedBlob == "" || tamperedRecords != 0 {
		t.Errorf("rewritten file %s: %d of its records not rows", tamperedBlob, tamperedRecords)
	}
	for _, region := range []string{"us-east-1", "us-west-2", "eu-west-1"} {
		want := sc.EventIDs(lab.ProdAccount, region, trail.StartLoggingTime, trail.LatestDeliveryTime)
		var got []string
		for _, ev := range sink.events[lab.ProdAccount+"/"+region] {
			got = append(got, ev.EventID)
		}
		if region == "us-east-1" {
			want = slices.DeleteFunc(slices.Clone(want), func(id string) bool {
				return slices.Contains(rewrite.RemoveEvents, id) || slices.Contains(deleted, id)
			})
			for _, id := range inRewritten {
				if !slices.Contains(rewrite.RemoveEvents, id) && !kept[id] {
					t.Errorf("record %s of the rewritten file is not a row", id)
				}
			}
			for _, id := range rewrite.RemoveEvents {
				if kept[id] {
					t.Errorf("hidden record %s is a row: the file was not rewritten", id)
				}
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		if got = slices.Compact(got); !slices.Equal(got, want) {
			t.Errorf("%s: %d events from trail files, want %d", region, len(got), len(want))
		}
	}
}
