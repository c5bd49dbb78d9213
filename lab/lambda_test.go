package lab

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

func TestRoundTripLambda(t *testing.T) {
	s, url := startLab(t, Options{NoQuotas: true})
	ctx := context.Background()
	cfg, rec := memberConfig(t, s, url, ProdAccount, "us-east-1")
	cl := lambda.NewFromConfig(cfg)
	lf, err := cl.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "ListFunctions", rec.body(), lf)
	if len(lf.Functions) != 2 {
		t.Fatalf("functions = %d", len(lf.Functions))
	}
	for _, f := range lf.Functions {
		gf, err := cl.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: f.FunctionArn})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetFunction", rec.body(), gf)
		resp, err := http.Get(aws.ToString(gf.Code.Location))
		if err != nil {
			t.Fatal(err)
		}
		z, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("code download: %d %s", resp.StatusCode, z)
		}
		sum := sha256.Sum256(z)
		if base64.StdEncoding.EncodeToString(sum[:]) != aws.ToString(gf.Configuration.CodeSha256) || int64(len(z)) != gf.Configuration.CodeSize {
			t.Fatalf("%s: downloaded code does not match CodeSha256/CodeSize", aws.ToString(f.FunctionName))
		}
		zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
		if err != nil || len(zr.File) == 0 {
			t.Fatalf("zip: %v", err)
		}
		gc, err := cl.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: f.FunctionName})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "GetFunctionConfiguration", rec.body(), gc)
		lv, err := cl.ListVersionsByFunction(ctx, &lambda.ListVersionsByFunctionInput{FunctionName: f.FunctionName})
		if err != nil {
			t.Fatal(err)
		}
		arrived(t, "ListVersionsByFunction", rec.body(), lv)
	}
	gp, err := cl.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(notifyFunction)})
	if err != nil {
		t.Fatal(err)
	}
	arrived(t, "GetPolicy", rec.body(), gp)
	if !strings.Contains(aws.ToString(gp.Policy), AgentID) {
		t.Fatalf("policy = %s", aws.ToString(gp.Policy))
	}
	_, err = cl.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(notifyFunction)})
	wantCode(t, err, "AccessDeniedException")
	_, err = cl.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("nope")})
	wantCode(t, err, "ResourceNotFoundException")
}
