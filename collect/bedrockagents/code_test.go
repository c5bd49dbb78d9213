package bedrockagents

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/collect/internal/labtest"
	"github.com/custodyhq/custody/schemas"
)

// fakeLambda describes one function whose package lives at location.
type fakeLambda struct {
	location string
	sha      string
	size     int64
}

func (f *fakeLambda) GetFunction(_ context.Context, in *lambda.GetFunctionInput, _ ...func(*lambda.Options)) (*lambda.GetFunctionOutput, error) {
	return &lambda.GetFunctionOutput{
		Configuration: &types.FunctionConfiguration{
			FunctionArn: in.FunctionName, FunctionName: aws.String("fn"), Role: aws.String("arn:aws:iam::111122223333:role/fn"),
			CodeSha256: aws.String(f.sha), CodeSize: f.size, Version: aws.String("$LATEST"),
		},
		Code: &types.FunctionCodeLocation{RepositoryType: aws.String("S3"), Location: aws.String(f.location)},
	}, nil
}

func (f *fakeLambda) GetPolicy(context.Context, *lambda.GetPolicyInput, ...func(*lambda.Options)) (*lambda.GetPolicyOutput, error) {
	return nil, &types.ResourceNotFoundException{Message: aws.String("no policy")}
}

// A package that breaks off is downloaded again; one whose bytes never
// match CodeSha256 ends as a gap after the last attempt, the function's
// configuration still kept.
func TestDeploymentPackageIsCheckedAndRetried(t *testing.T) {
	const pkg = "PK\x03\x04 the deployment package"
	sum := sha256.Sum256([]byte(pkg))
	for _, tc := range []struct {
		name      string
		serve     func(w http.ResponseWriter, n int64)
		downloads int64
		gaps      int
	}{
		{"whole", func(w http.ResponseWriter, _ int64) { io.WriteString(w, pkg) }, 1, 0},
		{"broken off once", func(w http.ResponseWriter, n int64) {
			if n == 1 {
				w.Header().Set("Content-Length", fmt.Sprint(len(pkg)))
				io.WriteString(w, pkg[:5])
				return
			}
			io.WriteString(w, pkg)
		}, 2, 0},
		{"refused once", func(w http.ResponseWriter, n int64) {
			if n == 1 {
				http.Error(w, "slow down", http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, pkg)
		}, 2, 0},
		{"never matches", func(w http.ResponseWriter, _ int64) { io.WriteString(w, strings.ToUpper(pkg)) }, codeAttempts, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.serve(w, n.Add(1)) }))
			defer srv.Close()
			fake := &fakeLambda{location: srv.URL + "/code.zip", sha: base64.StdEncoding.EncodeToString(sum[:]), size: int64(len(pkg))}
			tg := collect.Target{Account: "111122223333", Region: "us-east-1"}
			fnARN := "arn:aws:lambda:us-east-1:111122223333:function:fn"
			a := &Agents{Lambda: func(collect.Target) (LambdaAPI, error) { return fake, nil }, Estate: estateWith(t, tg, fnARN)}
			sink := &labtest.Sink{Blobs: map[string][]byte{}}
			if err := a.Collect(context.Background(), collect.Unit{Source: Source, ID: unitFunctions, Target: tg}, sink); err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, r := range sink.Resources {
				kinds = append(kinds, r.Kind)
			}
			if n.Load() != tc.downloads || len(sink.Gaps) != tc.gaps {
				t.Errorf("%d downloads, %d gaps (%+v); want %d, %d", n.Load(), len(sink.Gaps), sink.Gaps, tc.downloads, tc.gaps)
			}
			wantKinds := []string{schemas.KindLambdaFunction, schemas.KindLambdaCode}
			if tc.gaps > 0 {
				wantKinds = wantKinds[:1]
			}
			if strings.Join(kinds, ",") != strings.Join(wantKinds, ",") {
				t.Errorf("rows %q, want %q", kinds, wantKinds)
			}
			if tc.gaps == 0 && string(sink.Blobs[fmt.Sprintf("%x", sum)]) != pkg {
				t.Error("the package preserved is not the one Lambda reported")
			}
		})
	}
}

// estateWith is an estate whose discovery of t is done and found fn: the
// discovery walks nothing, since it has no clients, so the function is
// added to what it returns.
func estateWith(t *testing.T, tg collect.Target, fn string) *discover.Estate {
	t.Helper()
	e := &discover.Estate{}
	f, err := e.Find(context.Background(), tg)
	if err != nil {
		t.Fatal(err)
	}
	f.Functions = append(f.Functions, discover.Function{ARN: fn, LedBy: "arn:aws:bedrock:us-east-1:111122223333:agent/A/version/DRAFT/action-group/G"})
	return e
}
