package discover_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/lab"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		uri, bucket, key string
		ok               bool
	}{
		{"s3://b/k/x.jsonl", "b", "k/x.jsonl", true},
		{"s3://b", "b", "", true},
		{"s3://b/", "b", "", true},
		{"https://b/k", "", "", false},
		{"s3:///k", "", "k", false},
	} {
		b, k, ok := discover.ParseS3URI(tc.uri)
		if b != tc.bucket || k != tc.key || ok != tc.ok {
			t.Errorf("ParseS3URI(%q) = %q %q %v", tc.uri, b, k, ok)
		}
	}
	for arn, want := range map[string]string{"arn:aws:s3:::kb": "kb", "arn:aws:s3:::kb/x": "", "arn:aws:iam::1:role/r": "", "kb": ""} {
		if got, ok := discover.BucketOfARN(arn); got != want || ok != (want != "") {
			t.Errorf("BucketOfARN(%q) = %q %v", arn, got, ok)
		}
	}
}

// Over the wire, the incident account's estate leads to the knowledge
// base's prefixes, the training and validation data of its models and
// customization jobs, their output locations, the imported model's source, the action-group
// function, and the roles all of them run as; concurrent askers share one
// discovery.
func TestFindLeadsFromTheEstate(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{BeforeIncident: true})
	l := labtest.Start(t, sc)
	e := l.Estate()
	var target collect.Target
	for _, tg := range l.Targets {
		if tg.Account == lab.ProdAccount && tg.Region == "us-east-1" {
			target = tg
		}
	}
	before := len(l.Server.Calls())
	var wg sync.WaitGroup
	results := make([]*discover.Found, 8)
	for i := range results {
		wg.Go(func() {
			f, err := e.Find(context.Background(), target)
			if err != nil {
				t.Error(err)
			}
			results[i] = f
		})
	}
	wg.Wait()
	calls := len(l.Server.Calls()) - before
	f := results[0]
	for _, r := range results {
		if r != f {
			t.Fatal("concurrent discoveries of one target differ")
		}
	}
	if again, _ := e.Find(context.Background(), target); again != f || len(l.Server.Calls())-before != calls {
		t.Error("a second discovery of the target called AWS again")
	}
	region := sc.Account(lab.ProdAccount).Regions["us-east-1"]
	var locs []string
	for _, x := range f.Locations {
		if u := "s3://" + x.Bucket + "/" + x.Prefix; !slices.Contains(locs, u) {
			locs = append(locs, u)
		}
	}
	ds := region.KnowledgeBases[0].DataSources[0]
	bucket := ds.DataSourceConfiguration.S3Configuration.BucketARN[len("arn:aws:s3:::"):]
	var want []string
	for _, p := range ds.DataSourceConfiguration.S3Configuration.InclusionPrefixes {
		want = append(want, "s3://"+bucket+"/"+p)
	}
	m := region.CustomModels[0]
	want = append(want, m.TrainingDataConfig.S3URI, m.ValidationDataConfig.Validators[0].S3URI, region.ImportedModels[0].ArtifactS3URI)
	for _, j := range region.CustomizationJobs {
		if !slices.Contains(want, j.OutputDataConfig.S3URI) {
			want = append(want, j.OutputDataConfig.S3URI)
		}
	}
	for _, sm := range region.SageMakerModels {
		want = append(want, sm.PrimaryContainer.ModelDataUrl)
	}
	// Where each endpoint captures its traffic, and where the asynchronous
	// one writes its answers and failures, folders, led by its endpoint
	// configuration.
	async := 0
	for _, c := range region.EndpointConfigs {
		if c.AsyncInferenceConfig != nil {
			async++
		}
		for _, uri := range c.Destinations() {
			want = append(want, uri)
			if !slices.ContainsFunc(f.Locations, func(l discover.Location) bool {
				return "s3://"+l.Bucket+"/"+l.Prefix == uri && l.LedBy == c.EndpointConfigArn
			}) {
				t.Errorf("no location %s led by %s", uri, c.EndpointConfigArn)
			}
		}
	}
	if async == 0 {
		t.Error("no endpoint configuration of the lab is asynchronous: the test proves less")
	}
	slices.Sort(locs)
	slices.Sort(want)
	if !slices.Equal(locs, want) {
		t.Errorf("locations = %q, want %q", locs, want)
	}
	var roles []string
	for _, r := range f.Roles {
		if !slices.Contains(roles, r.ARN) {
			roles = append(roles, r.ARN)
		}
	}
	wantRoles := []string{region.KnowledgeBases[0].RoleARN, region.Agents[0].AgentResourceRoleARN, region.LoggingConfig.CloudWatchConfig.RoleARN,
		region.CustomizationJobs[0].RoleARN, region.SageMakerModels[0].ExecutionRoleArn}
	for _, fn := range region.Functions {
		if fn.FunctionName == "support-notify" {
			wantRoles = append(wantRoles, fn.Role)
		}
	}
	slices.Sort(roles)
	slices.Sort(wantRoles)
	if !slices.Equal(roles, wantRoles) {
		t.Errorf("roles = %q, want %q", roles, wantRoles)
	}
	if len(f.Functions) == 0 || f.Functions[0].ARN != region.Agents[0].ActionGroups[0].ActionGroupExecutor.Lambda {
		t.Errorf("functions = %+v", f.Functions)
	}
	if !e.Claim("x") || e.Claim("x") {
		t.Error("a key was claimed twice, or not at all")
	}
}

// A location is claimed once per scope; one inside a claimed location is
// refused, and one around claimed locations is claimed and told which
// prefixes inside it others collect, whatever the order they come in.
func TestClaimLocationNested(t *testing.T) {
	var e discover.Estate
	if !e.ClaimLocation("s", "b", "data/out/") || !e.ClaimLocation("s", "b", "logs/") {
		t.Fatal("first claims refused")
	}
	if e.ClaimLocation("s", "b", "data/out/") || e.ClaimLocation("s", "b", "data/out/x/") {
		t.Error("a claimed location, or one inside it, was claimed again")
	}
	if !e.ClaimLocation("s", "other", "data/out/x/") || !e.ClaimLocation("t", "b", "data/out/x/") {
		t.Error("the same prefix in another bucket or scope was refused")
	}
	if !e.ClaimLocation("s", "b", "data/") {
		t.Fatal("a location around a claimed one was refused")
	}
	if got := e.Inside("s", "b", "data/"); !slices.Equal(got, []string{"data/out/"}) {
		t.Errorf("inside data/ = %q", got)
	}
	if e.ClaimLocation("s", "b", "data/in/") {
		t.Error("a location inside a claimed outer one was claimed")
	}
	if !e.ClaimLocation("s", "b", "") || !slices.Equal(e.Inside("s", "b", ""), []string{"data/out/", "logs/", "data/"}) {
		t.Errorf("the whole bucket: inside = %q", e.Inside("s", "b", ""))
	}
	locs := []discover.Location{{Bucket: "b", Prefix: "a/b/c"}, {Bucket: "b", Prefix: "a/"}, {Bucket: "c", Prefix: ""}, {Bucket: "b", Prefix: "a/b/"}}
	for prefix, want := range map[string]string{"a/b/c": "a/", "a/b/": "a/", "a/": "a/", "x/": "x/"} {
		if got := discover.Outermost("b", prefix, locs); got != want {
			t.Errorf("Outermost(%q) = %q, want %q", prefix, got, want)
		}
	}
}
