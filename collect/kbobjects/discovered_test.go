package kbobjects_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// Without locations given, every object version and delete marker under
// each knowledge-base data source's inclusion prefixes, each custom
// model's and customization job's training, validation and output data
// (nested in one another: each object once), each
// SageMaker model's and model package's artifact, and what each SageMaker
// endpoint captured of its traffic or, asynchronous, wrote as its answers
// and failures, is found
// and preserved, over the
// wire: the poisoned document and the overwritten one are there, the
// overwritten one as distinct versions.
func TestDiscoveredLocationsKeepEveryVersion(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	src := &kbobjects.Objects{
		Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
		Estate: l.Estate(),
	}
	sink := l.Run(t, src)
	got := map[string]*schemas.Object{}
	for _, o := range sink.Objects {
		if prev := got[o.Bucket+"/"+o.Key+"?"+o.VersionID]; prev != nil {
			t.Errorf("%s/%s?%s preserved twice", o.Bucket, o.Key, o.VersionID)
		}
		got[o.Bucket+"/"+o.Key+"?"+o.VersionID] = o
	}
	// What the scenario says is under the discovered locations.
	want, markers := 0, 0
	for _, acct := range sc.Accounts() {
		var prefixes []string
		for _, r := range sc.Account(acct).Regions {
			for _, kb := range r.KnowledgeBases {
				for _, ds := range kb.DataSources {
					bucket := strings.TrimPrefix(ds.DataSourceConfiguration.S3Configuration.BucketARN, "arn:aws:s3:::")
					for _, p := range ds.DataSourceConfiguration.S3Configuration.InclusionPrefixes {
						prefixes = append(prefixes, bucket+"/"+p)
					}
				}
			}
			for _, m := range r.CustomModels {
				prefixes = append(prefixes, strings.TrimPrefix(m.TrainingDataConfig.S3URI, "s3://"))
				for _, v := range m.ValidationDataConfig.Validators {
					prefixes = append(prefixes, strings.TrimPrefix(v.S3URI, "s3://"))
				}
			}
			for _, j := range r.CustomizationJobs {
				prefixes = append(prefixes, strings.TrimPrefix(j.TrainingDataConfig.S3URI, "s3://"), strings.TrimPrefix(j.OutputDataConfig.S3URI, "s3://"))
				for _, v := range j.ValidationDataConfig.Validators {
					prefixes = append(prefixes, strings.TrimPrefix(v.S3URI, "s3://"))
				}
			}
			for _, m := range r.SageMakerModels {
				prefixes = append(prefixes, strings.TrimPrefix(m.PrimaryContainer.ModelDataUrl, "s3://"))
			}
			for _, g := range r.ModelPackageGroups {
				for _, p := range g.ModelPackages {
					prefixes = append(prefixes, strings.TrimPrefix(p.InferenceSpecification.Containers[0].ModelDataUrl, "s3://"))
				}
			}
			for _, c := range r.EndpointConfigs {
				for _, d := range c.Destinations() {
					prefixes = append(prefixes, strings.TrimPrefix(d, "s3://"))
				}
			}
		}
		for _, b := range sc.Account(acct).Buckets {
			for _, v := range b.Objects {
				under := false
				for _, p := range prefixes {
					under = under || strings.HasPrefix(b.Name+"/"+v.Key, p)
				}
				if !under {
					continue
				}
				want++
				o := got[b.Name+"/"+v.Key+"?"+v.VersionID]
				switch {
				case o == nil:
					t.Errorf("%s/%s?%s not preserved", b.Name, v.Key, v.VersionID)
				case v.DeleteMarker:
					markers++
					if !o.DeleteMarker {
						t.Errorf("%s/%s?%s is a delete marker, row says otherwise", b.Name, v.Key, v.VersionID)
					}
				case o.BlobSHA256 == nil || string(sink.Blobs[*o.BlobSHA256]) != string(v.Content()):
					t.Errorf("%s/%s?%s: blob differs from the body S3 holds", b.Name, v.Key, v.VersionID)
				case o.LedBy == "" || o.IsLatest != v.IsLatest:
					t.Errorf("%s/%s?%s: led by %q, latest %v", b.Name, v.Key, v.VersionID, o.LedBy, o.IsLatest)
				}
			}
		}
	}
	if want == 0 || markers == 0 || len(sink.Objects) != want {
		t.Errorf("preserved %d object versions, the discovered locations hold %d (%d delete markers)", len(sink.Objects), want, markers)
	}
	// The poisoned documents: a new one, and a new version of an existing
	// one whose earlier version is kept beside it.
	for i, key := range lab.PoisonedKeys {
		var versions []*schemas.Object
		for _, o := range sink.Objects {
			if o.Key == key {
				versions = append(versions, o)
			}
		}
		if i == 0 && len(versions) != 1 {
			t.Errorf("poisoned %s: %d versions, want 1", key, len(versions))
		}
		if i == 1 && (len(versions) < 2 || *versions[0].SHA256 == *versions[1].SHA256) {
			t.Errorf("overwritten %s: %d versions, want the original and the poisoned one, with distinct content", key, len(versions))
		}
		latest := 0
		for _, v := range versions {
			if v.IsLatest {
				latest++
				sum := sha256.Sum256(sink.Blobs[*v.BlobSHA256])
				if hex.EncodeToString(sum[:]) != *v.SHA256 {
					t.Errorf("%s: blob does not hash to its row's sha256", key)
				}
			}
		}
		if latest != 1 {
			t.Errorf("%s: %d latest versions", key, latest)
		}
	}
}

// When AWS refuses part of the discovery (here, listing agents), the
// locations the rest leads to are still collected, and the refusal is a
// gap with AWS's cause for each target it happened in.
func TestPartlyRefusedDiscoveryCollectsTheRestAndRecordsAGap(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.StartRefusing(t, sc, func(r *http.Request) bool { return r.Method == http.MethodPost && r.URL.Path == "/agents/" })
	src := &kbobjects.Objects{
		Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
		Estate: l.Estate(),
	}
	sink := l.RunWithGaps(t, src)
	poisoned := 0
	for _, o := range sink.Objects {
		if slices.Contains(lab.PoisonedKeys, o.Key) {
			poisoned++
		}
	}
	if poisoned < len(lab.PoisonedKeys) {
		t.Errorf("%d poisoned object versions collected; the knowledge base's locations were not refused", poisoned)
	}
	if len(sink.Gaps) == 0 {
		t.Fatal("the refused part of the discovery left no gap")
	}
	for _, g := range sink.Gaps {
		if g.Cause != "AccessDeniedException" || g.Unit.ID != discover.UnitID || !strings.Contains(g.Message, "ListAgents") {
			t.Errorf("gap %+v, want AccessDeniedException of %s naming ListAgents", g, discover.UnitID)
		}
	}
	if len(sink.Gaps) != len(l.Targets) {
		t.Errorf("%d gaps, want one per target (%d)", len(sink.Gaps), len(l.Targets))
	}
}

// Locations nested in one another across targets (the whole training
// bucket from one region's job, a prefix inside it from another's, and
// the prefixes the us-east-1 jobs lead to) are read so that every object
// version is collected exactly once, whichever target claims first, and
// led by what points at it.
func TestNestedLocationsAcrossTargetsCollectEachObjectOnce(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	prod := sc.Account(lab.ProdAccount)
	east := prod.Regions["us-east-1"]
	bucket := ""
	for _, r := range []struct{ region, output string }{{"us-west-2", ""}, {"eu-west-1", "support-tone/output/"}} {
		j := *east.CustomizationJobs[0]
		bucket, _, _ = discover.ParseS3URI(j.OutputDataConfig.S3URI)
		j.JobARN = strings.Replace(j.JobARN, "us-east-1", r.region, 1)
		j.JobName += "-" + r.region
		j.OutputDataConfig = &lab.S3URIConfig{S3URI: "s3://" + bucket + "/" + r.output}
		prod.Regions[r.region].CustomizationJobs = append(prod.Regions[r.region].CustomizationJobs, &j)
	}
	for range 3 { // claims race differently from run to run
		l := labtest.Start(t, sc)
		sink := l.Run(t, &kbobjects.Objects{
			Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
			Estate: l.Estate(),
		})
		got := map[string]*schemas.Object{}
		for _, o := range sink.Objects {
			if o.Bucket != bucket {
				continue
			}
			if got[o.Key+"?"+o.VersionID] != nil {
				t.Errorf("%s?%s collected twice", o.Key, o.VersionID)
			}
			got[o.Key+"?"+o.VersionID] = o
		}
		for _, b := range prod.Buckets {
			if b.Name != bucket {
				continue
			}
			if len(got) != len(b.Objects) {
				t.Errorf("%d object versions of %s collected, it holds %d", len(got), bucket, len(b.Objects))
			}
			for _, v := range b.Objects {
				o := got[v.Key+"?"+v.VersionID]
				if o == nil {
					t.Errorf("%s?%s not collected", v.Key, v.VersionID)
					continue
				}
				if !strings.Contains(o.LedBy, ":model-customization-job/") && !strings.Contains(o.LedBy, ":custom-model/") {
					t.Errorf("%s led by %q", v.Key, o.LedBy)
				}
			}
		}
	}
}
