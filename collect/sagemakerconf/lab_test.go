package sagemakerconf_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/agency"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/collect/sagemakerconf"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

func source(l *labtest.Lab) *sagemakerconf.Config {
	return &sagemakerconf.Config{Client: func(t collect.Target) (sagemakerconf.API, error) { return l.SageMaker(t), nil }}
}

// byARN indexes the rows of a kind, failing on a resource snapshot twice.
func byARN(t *testing.T, sink *labtest.Sink, kind string) map[string]*schemas.Resource {
	t.Helper()
	out := map[string]*schemas.Resource{}
	for _, r := range sink.Kind(kind) {
		if out[r.ARN] != nil {
			t.Errorf("%s %s snapshot twice", kind, r.ARN)
		}
		out[r.ARN] = r
	}
	return out
}

// normalized decodes a row's normalized JSON.
func normalized(t *testing.T, r *schemas.Resource) map[string]json.RawMessage {
	t.Helper()
	var n map[string]json.RawMessage
	if err := json.Unmarshal([]byte(r.Normalized), &n); err != nil {
		t.Fatalf("%s: normalized %q: %v", r.ARN, r.Normalized, err)
	}
	return n
}

// raw decodes a row's raw body, which must be the Describe response.
func raw(t *testing.T, r *schemas.Resource) map[string]any {
	t.Helper()
	var b map[string]any
	if err := json.Unmarshal([]byte(r.Raw), &b); err != nil {
		t.Fatalf("%s: raw body %q: %v", r.ARN, r.Raw, err)
	}
	return b
}

// Every model, model package group, package version, endpoint
// configuration and endpoint the scenario defines is snapshot over the
// wire with the fields the scenario sets, its raw body the Describe
// response; nothing else is.
func TestEverySageMakerResourceRoundTrips(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	sink := l.Run(t, source(l))
	models := byARN(t, sink, schemas.KindSageMakerModel)
	groups := byARN(t, sink, schemas.KindModelPackageGroup)
	packages := byARN(t, sink, schemas.KindModelPackage)
	configs := byARN(t, sink, schemas.KindEndpointConfig)
	endpoints := byARN(t, sink, schemas.KindEndpoint)
	var nModels, nGroups, nPackages, nConfigs, nEndpoints, nAsync int
	for _, acct := range sc.Accounts() {
		for _, r := range sc.Account(acct).Regions {
			for _, m := range r.SageMakerModels {
				nModels++
				row := models[m.ModelArn]
				if row == nil {
					t.Errorf("model %s not snapshot", m.ModelArn)
					continue
				}
				n := normalized(t, row)
				var role string
				var data []string
				_ = json.Unmarshal(n["execution_role_arn"], &role)
				_ = json.Unmarshal(n["model_data"], &data)
				if row.Name != m.ModelName || !row.CreatedAt.Equal(m.CreationTime.Time()) || role != m.ExecutionRoleArn ||
					!slices.Equal(data, []string{m.PrimaryContainer.ModelDataUrl}) || row.Operation != "DescribeModel" {
					t.Errorf("model %s = %+v, normalized %s", m.ModelArn, row, row.Normalized)
				}
				var pc struct {
					Image       string
					Environment map[string]string
				}
				_ = json.Unmarshal(n["primary_container"], &pc)
				if pc.Image != m.PrimaryContainer.Image || len(pc.Environment) != len(m.PrimaryContainer.Environment) {
					t.Errorf("model %s primary container = %+v", m.ModelArn, pc)
				}
				if b := raw(t, row); b["ModelArn"] != m.ModelArn || b["ExecutionRoleArn"] != m.ExecutionRoleArn {
					t.Errorf("model %s raw body %s", m.ModelArn, row.Raw)
				}
			}
			for _, g := range r.ModelPackageGroups {
				nGroups++
				row := groups[g.ModelPackageGroupArn]
				if row == nil || row.Name != g.ModelPackageGroupName || row.Status != g.ModelPackageGroupStatus || !row.CreatedAt.Equal(g.CreationTime.Time()) ||
					raw(t, row)["ModelPackageGroupDescription"] != g.ModelPackageGroupDescription {
					t.Errorf("model package group %s = %+v", g.ModelPackageGroupArn, row)
				}
				for _, p := range g.ModelPackages {
					nPackages++
					row := packages[p.ModelPackageArn]
					if row == nil {
						t.Errorf("model package %s not snapshot", p.ModelPackageArn)
						continue
					}
					n := normalized(t, row)
					var approval, group string
					var version int
					var data []string
					_ = json.Unmarshal(n["approval"], &approval)
					_ = json.Unmarshal(n["group"], &group)
					_ = json.Unmarshal(n["version"], &version)
					_ = json.Unmarshal(n["model_data"], &data)
					if row.ID != p.ModelPackageGroupName+"/"+strconv.Itoa(int(p.ModelPackageVersion)) || row.Status != p.ModelPackageStatus ||
						approval != p.ModelApprovalStatus || group != p.ModelPackageGroupName || version != int(p.ModelPackageVersion) ||
						!slices.Equal(data, []string{p.InferenceSpecification.Containers[0].ModelDataUrl}) ||
						!row.CreatedAt.Equal(p.CreationTime.Time()) || !row.UpdatedAt.Equal(p.LastModifiedTime.Time()) {
						t.Errorf("model package %s = %+v, normalized %s", p.ModelPackageArn, row, row.Normalized)
					}
					var meta map[string]string
					_ = json.Unmarshal(n["customer_metadata"], &meta)
					if len(meta) != len(p.CustomerMetadataProperties) || raw(t, row)["ApprovalDescription"] != p.ApprovalDescription {
						t.Errorf("model package %s: metadata %v, raw %s", p.ModelPackageArn, meta, row.Raw)
					}
				}
			}
			for _, e := range r.EndpointConfigs {
				nConfigs++
				row := configs[e.EndpointConfigArn]
				if row == nil {
					t.Errorf("endpoint config %s not snapshot", e.EndpointConfigArn)
					continue
				}
				n := normalized(t, row)
				var variants []struct{ VariantName, ModelName, InstanceType string }
				var capture, wantCapture struct {
					DestinationS3Uri string
					EnableCapture    bool
				}
				var async struct {
					OutputConfig struct{ S3OutputPath, S3FailurePath string }
				}
				_ = json.Unmarshal(n["production_variants"], &variants)
				_ = json.Unmarshal(n["data_capture"], &capture)
				_ = json.Unmarshal(n["async_inference"], &async)
				if c := e.DataCaptureConfig; c != nil {
					wantCapture.DestinationS3Uri, wantCapture.EnableCapture = c.DestinationS3Uri, c.EnableCapture
				}
				var wantAsync struct{ S3OutputPath, S3FailurePath string }
				if a := e.AsyncInferenceConfig; a != nil {
					nAsync++
					wantAsync.S3OutputPath, wantAsync.S3FailurePath = a.OutputConfig.S3OutputPath, a.OutputConfig.S3FailurePath
				}
				if len(variants) != len(e.ProductionVariants) || variants[0].ModelName != e.ProductionVariants[0].ModelName ||
					variants[0].InstanceType != e.ProductionVariants[0].InstanceType || capture != wantCapture ||
					async.OutputConfig != wantAsync || !row.CreatedAt.Equal(e.CreationTime.Time()) {
					t.Errorf("endpoint config %s = %+v, normalized %s", e.EndpointConfigArn, row, row.Normalized)
				}
			}
			for _, e := range r.Endpoints {
				nEndpoints++
				row := endpoints[e.EndpointArn]
				if row == nil {
					t.Errorf("endpoint %s not snapshot", e.EndpointArn)
					continue
				}
				var config string
				_ = json.Unmarshal(normalized(t, row)["endpoint_config_name"], &config)
				if row.Status != e.EndpointStatus || config != e.EndpointConfigName || !row.UpdatedAt.Equal(e.LastModifiedTime.Time()) ||
					!strings.Contains(row.Raw, e.ProductionVariants[0].DeployedImages[0].ResolvedImage) {
					t.Errorf("endpoint %s = %+v", e.EndpointArn, row)
				}
			}
		}
	}
	if nModels == 0 || nGroups == 0 || nPackages == 0 || nConfigs == 0 || nEndpoints == 0 || nAsync == 0 {
		t.Fatal("the scenario lacks a kind of SageMaker resource: the test proves too little")
	}
	for kind, n := range map[string]int{schemas.KindSageMakerModel: nModels, schemas.KindModelPackageGroup: nGroups,
		schemas.KindModelPackage: nPackages, schemas.KindEndpointConfig: nConfigs, schemas.KindEndpoint: nEndpoints} {
		if got := len(sink.Kind(kind)); got != n {
			t.Errorf("%d %s rows, the lab holds %d", got, kind, n)
		}
	}
	if len(sink.Resources) != nModels+nGroups+nPackages+nConfigs+nEndpoints {
		t.Errorf("%d rows in all", len(sink.Resources))
	}
}

// Discovery follows each model's and package's artifact, where each
// endpoint captures its requests and responses, and where an asynchronous
// one writes its answers and failures, to S3, where the objects
// source preserves exactly those objects, byte for byte, led by the
// models, packages and endpoint configurations; and each model's
// execution role to IAM.
func TestArtifactsAndRolesAreFollowed(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.Start(t, sc)
	estate := l.Estate()
	sink := l.Run(t,
		&kbobjects.Objects{
			Client: func(t collect.Target) (kbobjects.API, error) { return kbobjects.NewClient(l.Session.Config(t)), nil },
			Estate: estate,
		},
		&agency.Roles{
			Client: func(t collect.Target) (agency.API, error) { return agency.NewClient(l.Session.Config(t)), nil },
			Estate: estate,
		})
	bucket := lab.SageMakerBucket(lab.ProdAccount)
	r := sc.Account(lab.ProdAccount).Regions["us-east-1"]
	led := map[string][]string{} // artifact key -> what points at it
	for _, m := range r.SageMakerModels {
		key := strings.TrimPrefix(m.PrimaryContainer.ModelDataUrl, "s3://"+bucket+"/")
		led[key] = append(led[key], m.ModelArn)
	}
	for _, p := range r.ModelPackageGroups[0].ModelPackages {
		key := strings.TrimPrefix(p.InferenceSpecification.Containers[0].ModelDataUrl, "s3://"+bucket+"/")
		led[key] = append(led[key], p.ModelPackageArn)
	}
	// What the endpoint captured of its traffic, and what the asynchronous
	// one wrote as its answers and failures, led by their configurations.
	captured, async := 0, 0
	for _, b := range sc.Account(lab.ProdAccount).Buckets {
		for _, v := range b.Objects {
			for _, c := range r.EndpointConfigs {
				for _, d := range c.Destinations() {
					if b.Name == bucket && strings.HasPrefix("s3://"+b.Name+"/"+v.Key, d) {
						led[v.Key] = append(led[v.Key], c.EndpointConfigArn)
						captured++
						if c.AsyncInferenceConfig != nil {
							async++
						}
					}
				}
			}
		}
	}
	if captured == 0 || async < 3 {
		t.Fatalf("%d objects the endpoints wrote, %d of them asynchronous answers and failures: the test proves little", captured, async)
	}
	var objects []*schemas.Object
	for _, o := range sink.Objects {
		if o.Bucket == bucket {
			objects = append(objects, o)
		}
	}
	if len(objects) != len(led) {
		t.Errorf("%d objects of %s preserved, want the %d artifacts and captures", len(objects), bucket, len(led))
	}
	for _, b := range sc.Account(lab.ProdAccount).Buckets {
		if b.Name != bucket {
			continue
		}
		for _, v := range b.Objects {
			var o *schemas.Object
			for _, x := range objects {
				if x.Key == v.Key && x.VersionID == v.VersionID {
					o = x
				}
			}
			if led[v.Key] == nil {
				if o != nil {
					t.Errorf("%s preserved, though no model points at it", v.Key)
				}
				continue
			}
			sum := sha256.Sum256(v.Content())
			switch {
			case o == nil:
				t.Errorf("artifact %s not preserved", v.Key)
			case o.SHA256 == nil || *o.SHA256 != hex.EncodeToString(sum[:]) || string(sink.Blobs[*o.BlobSHA256]) != string(v.Content()):
				t.Errorf("artifact %s: preserved content differs from the artifact", v.Key)
			default:
				for _, arn := range led[v.Key] {
					if !strings.Contains(o.LedBy, arn) {
						t.Errorf("artifact %s led by %q, missing %s", v.Key, o.LedBy, arn)
					}
				}
			}
		}
	}
	role := false
	for _, x := range sink.Kind(schemas.KindRole) {
		role = role || x.ARN == r.SageMakerModels[0].ExecutionRoleArn
	}
	if !role {
		t.Errorf("execution role %s not snapshot", r.SageMakerModels[0].ExecutionRoleArn)
	}
}

// SageMaker refusing the responder is a gap per target and unit, with
// AWS's cause; the run goes on.
func TestRefusedSageMakerIsAGap(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	l := labtest.StartRefusing(t, sc, func(r *http.Request) bool {
		return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "SageMaker.ListEndpoint")
	})
	sink := l.RunWithGaps(t, source(l))
	sink.CheckGaps(t, 2*len(l.Targets), "AccessDeniedException", "endpoints", "endpoint-configs")
	if len(sink.Kind(schemas.KindSageMakerModel)) == 0 || len(sink.Kind(schemas.KindEndpoint)) != 0 {
		t.Error("the refusal of endpoints kept models from being collected, or endpoints were collected")
	}
}
