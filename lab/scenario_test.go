package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestBuiltinShape(t *testing.T) {
	t.Parallel()
	sc := builtin()
	if got := sc.eventCount(); got < 10000 {
		t.Errorf("events = %d, want at least 10000", got)
	}
	if got := sc.Regions(); !reflect.DeepEqual(got, []string{"eu-west-1", "us-east-1", "us-west-2"}) {
		t.Errorf("regions = %v", got)
	}
	if got := sc.Accounts(); !reflect.DeepEqual(got, []string{ManagementAccount, ProdAccount, DevAccount}) {
		t.Errorf("accounts = %v", got)
	}
	for _, a := range sc.AccountList {
		for name, r := range a.Regions {
			if n := len(r.events); n > 1500 {
				t.Errorf("%s/%s holds %d events, want at most 1500", a.ID, name, n)
			}
		}
	}
	since, until := sc.Window()
	total := 0
	for _, a := range sc.Accounts() {
		for _, r := range sc.Regions() {
			total += len(sc.EventIDs(a, r, since, until))
		}
	}
	if total != sc.eventCount() {
		t.Errorf("window holds %d events, scenario %d", total, sc.eventCount())
	}
	prod := sc.Account(ProdAccount)
	objects := 0
	for _, b := range prod.Buckets {
		if b.Name == kbBucketName() {
			objects = len(b.Objects)
		}
	}
	if objects < 50 {
		t.Errorf("knowledge-base objects = %d, want 50+", objects)
	}
	logs := 0
	for _, g := range prod.Regions["us-east-1"].LogGroups {
		if g.LogGroupName == invocationLogGroup {
			logs = len(g.Streams[0].Events)
		}
	}
	if logs < 200 {
		t.Errorf("invocation log records = %d, want 200+", logs)
	}
	if prod.Regions["us-east-1"].LoggingConfig != nil {
		t.Error("logging configuration survives the incident")
	}
}

func TestBuiltinDeterministic(t *testing.T) {
	t.Parallel()
	if fingerprint(t, builtin()) != fingerprint(t, Builtin(BuiltinOptions{Seed: 1})) {
		t.Fatal("same options gave different scenarios")
	}
	other := Builtin(BuiltinOptions{Seed: 8})
	since, until := other.Window()
	if reflect.DeepEqual(other.EventIDs(ProdAccount, "us-east-1", since, until), builtin().EventIDs(ProdAccount, "us-east-1", since, until)) {
		t.Fatal("different seeds gave the same events")
	}
}

// fingerprint hashes a scenario: every record as built, and every resource
// as it marshals.
func fingerprint(t *testing.T, sc *Scenario) string {
	h := sha256.New()
	enc := json.NewEncoder(h)
	for _, a := range sc.AccountList {
		if err := enc.Encode([]any{a.ID, a.Name, a.Joined, a.IAM, a.Buckets}); err != nil {
			t.Fatal(err)
		}
		for _, name := range a.sortedRegionNames() {
			r := *a.Regions[name]
			for _, e := range r.Events {
				h.Write(e)
			}
			for _, e := range r.DataEvents {
				h.Write(e)
			}
			r.Events, r.DataEvents, r.events = nil, nil, nil
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestBuiltinBeforeIncident(t *testing.T) {
	t.Parallel()
	after := builtin()
	before := builtinBefore()
	incident := DefaultAnchor.Add(IncidentOffset)
	_, until := before.Window()
	if until.After(incident) {
		t.Errorf("before-incident window ends %v, after the incident start %v", until, incident)
	}
	// The history before the attack is the same in both.
	for _, acct := range after.Accounts() {
		for _, r := range after.Regions() {
			got := before.EventIDs(acct, r, time.Time{}, incident.Add(-time.Second))
			want := after.EventIDs(acct, r, time.Time{}, incident.Add(-time.Second))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s/%s: history before the incident differs", acct, r)
			}
		}
	}
	use := before.Account(ProdAccount).Regions["us-east-1"]
	if use.LoggingConfig == nil {
		t.Error("no logging configuration before the incident")
	}
	if len(use.Guardrails) != 2 || len(use.Guardrails[0].Versions) != 3 {
		t.Errorf("guardrails before the incident: %d", len(use.Guardrails))
	}
	if len(after.Account(ProdAccount).Regions["us-east-1"].Guardrails) != 1 {
		t.Error("deleted guardrail still present after the incident")
	}
}

func TestBuiltinBackgroundAccounts(t *testing.T) {
	t.Parallel()
	sc := builtinScale()
	if got := len(sc.Accounts()); got != 21 {
		t.Fatalf("accounts = %d, want 21", got)
	}
	for _, a := range sc.AccountList[3:] {
		for name, r := range a.Regions {
			if n := len(r.events); n == 0 || n > 300 {
				t.Errorf("%s/%s holds %d events", a.ID, name, n)
			}
		}
		if a.IAM.role("OrganizationAccountAccessRole") == nil {
			t.Errorf("%s lacks OrganizationAccountAccessRole", a.ID)
		}
	}
}

func TestLoadScenarioRoundTrip(t *testing.T) {
	t.Parallel()
	sc := builtin()
	b, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadScenario(path)
	if err != nil {
		t.Fatal(err)
	}
	// Events parsed from the file equal those the generator indexed.
	for _, a := range sc.AccountList {
		for name, r := range a.Regions {
			lr := got.region(a.ID, name)
			if !reflect.DeepEqual(lr.events, r.events) {
				t.Fatalf("%s/%s: loaded events differ from built ones", a.ID, name)
			}
		}
	}
}
