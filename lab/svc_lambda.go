package lab

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// lambdaService is AWS Lambda (restJson1). GetFunction's code location is
// a presigned URL on the lab itself that serves the function's zip.
func lambdaService() *service {
	return &service{
		name:    "lambda",
		signing: "lambda",
		proto:   restJSON{},
		route: restRouter([]restRoute{
			{"GET", "/2015-03-31/functions", "ListFunctions", operation{handler: lambdaList}},
			{"GET", "/2015-03-31/functions/{FunctionName}", "GetFunction", operation{handler: lambdaGet}},
			{"GET", "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration", operation{handler: lambdaGetConfiguration}},
			{"GET", "/2015-03-31/functions/{FunctionName}/policy", "GetPolicy", operation{handler: lambdaGetPolicy}},
			{"GET", "/2015-03-31/functions/{FunctionName}/versions", "ListVersionsByFunction", operation{handler: lambdaListVersions}},
			{"GET", "/_lab/lambda-code/{account}/{region}/{FunctionName}", "GetFunctionCode", operation{handler: lambdaCode}},
			{"POST", "/2015-03-31/functions/{FunctionName}/invocations", "Invoke", refused},
			{"PUT", "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode", refused},
			{"PUT", "/2015-03-31/functions/{FunctionName}/configuration", "UpdateFunctionConfiguration", refused},
			{"DELETE", "/2015-03-31/functions/{FunctionName}", "DeleteFunction", refused},
		}),
		throttle: throttling(http.StatusTooManyRequests, "TooManyRequestsException"),
		internal: newAPIError(http.StatusInternalServerError, "ServiceException", "The AWS Lambda service encountered an internal error."),
	}
}

// codeZip is a function's deployment package, built deterministically from
// its files.
func codeZip(f *Function) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(f.Code))
	for n := range f.Code {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: f.LastModified.UTC()})
		if err != nil {
			panic(err)
		}
		_, _ = w.Write([]byte(f.Code[n]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

type functionConfiguration struct {
	FunctionName     string            `json:"FunctionName"`
	FunctionArn      string            `json:"FunctionArn"`
	Runtime          string            `json:"Runtime"`
	Role             string            `json:"Role"`
	Handler          string            `json:"Handler"`
	CodeSize         int64             `json:"CodeSize"`
	Description      string            `json:"Description"`
	Timeout          int32             `json:"Timeout"`
	MemorySize       int32             `json:"MemorySize"`
	LastModified     string            `json:"LastModified"`
	CodeSha256       string            `json:"CodeSha256"`
	Version          string            `json:"Version"`
	Environment      map[string]any    `json:"Environment,omitempty"`
	TracingConfig    map[string]string `json:"TracingConfig"`
	RevisionID       string            `json:"RevisionId"`
	State            string            `json:"State"`
	LastUpdateStatus string            `json:"LastUpdateStatus"`
	PackageType      string            `json:"PackageType"`
	Architectures    []string          `json:"Architectures"`
	EphemeralStorage map[string]int    `json:"EphemeralStorage"`
}

func configurationOf(f *Function) functionConfiguration {
	z := codeZip(f)
	sum := sha256.Sum256(z)
	rev := sha256.Sum256(append(sum[:], f.FunctionARN...))
	out := functionConfiguration{
		FunctionName: f.FunctionName, FunctionArn: f.FunctionARN, Runtime: f.Runtime, Role: f.Role, Handler: f.Handler,
		CodeSize: int64(len(z)), Description: f.Description, Timeout: f.Timeout, MemorySize: f.MemorySize,
		LastModified: f.LastModified.UTC().Format("2006-01-02T15:04:05.000-0700"), CodeSha256: base64.StdEncoding.EncodeToString(sum[:]),
		Version: f.Version, TracingConfig: map[string]string{"Mode": "PassThrough"}, RevisionID: formatUUID([16]byte(rev[:16])),
		State: "Active", LastUpdateStatus: "Successful", PackageType: "Zip", Architectures: []string{"x86_64"},
		EphemeralStorage: map[string]int{"Size": 512},
	}
	if out.Version == "" {
		out.Version = "$LATEST"
	}
	if len(f.Environment) > 0 {
		out.Environment = map[string]any{"Variables": f.Environment}
	}
	return out
}

// function resolves a name, ARN or partial ARN, with an optional
// qualifier.
func (c *call) function() (*Function, error) {
	ref := c.param("FunctionName")
	if q := c.query("Qualifier"); q != "" && q != "$LATEST" {
		return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "Function not found: %s:%s", ref, q)
	}
	ref = strings.TrimSuffix(ref, ":$LATEST")
	for _, f := range c.data().Functions {
		if f.FunctionName == ref || f.FunctionARN == ref || strings.HasSuffix(f.FunctionARN, ":"+ref) {
			return f, nil
		}
	}
	return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "Function not found: arn:aws:lambda:%s:%s:function:%s", c.region, c.account, ref)
}

func lambdaList(c *call) (*response, error) {
	var all []functionConfiguration
	for _, f := range c.data().Functions {
		all = append(all, configurationOf(f))
	}
	max := 0
	if v := c.query("MaxItems"); v != "" {
		n, err := parseIntIn(v, 1, 10000)
		if err != nil {
			return nil, err
		}
		max = n
	}
	items, next, err := page(all, "ListFunctions|"+c.account+"|"+c.region, c.query("Marker"), max, 50, 50,
		newAPIError(http.StatusBadRequest, "InvalidParameterValueException", "Invalid marker"))
	if err != nil {
		return nil, err
	}
	return c.json(struct {
		Functions  []functionConfiguration `json:"Functions"`
		NextMarker string                  `json:"NextMarker,omitempty"`
	}{nonNil(items), next})
}

func lambdaGet(c *call) (*response, error) {
	f, err := c.function()
	if err != nil {
		return nil, err
	}
	return c.json(map[string]any{
		"Configuration": configurationOf(f),
		"Code":          map[string]string{"RepositoryType": "S3", "Location": c.codeURL(f)},
		"Tags":          map[string]string{"app": "support-assistant"},
	})
}

// codeURL is a presigned URL, valid ten minutes, from which the caller
// downloads the function's zip from the lab.
func (c *call) codeURL(f *Function) string {
	now := time.Now().UTC()
	q := url.Values{}
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", c.auth.AccessKeyID+"/"+now.Format("20060102")+"/"+c.region+"/lambda/aws4_request")
	q.Set("X-Amz-Date", now.Format("20060102T150405Z"))
	q.Set("X-Amz-Expires", "600")
	q.Set("X-Amz-SignedHeaders", "host")
	if c.who.SessionToken != "" {
		q.Set("X-Amz-Security-Token", c.who.SessionToken)
	}
	sig := sha256.Sum256([]byte(q.Encode() + f.FunctionARN))
	q.Set("X-Amz-Signature", base64.RawURLEncoding.EncodeToString(sig[:]))
	return "http://" + c.r.Host + "/_lab/lambda-code/" + c.account + "/" + c.region + "/" + url.PathEscape(f.FunctionName) + "?" + q.Encode()
}

// lambdaCode serves a deployment package to the account that owns it.
func lambdaCode(c *call) (*response, error) {
	if c.param("account") != c.account || c.param("region") != c.region {
		return nil, newAPIError(http.StatusForbidden, "AccessDeniedException", "Access Denied")
	}
	f, err := c.function()
	if err != nil {
		return nil, err
	}
	return c.ok("application/zip", codeZip(f)), nil
}

func lambdaGetConfiguration(c *call) (*response, error) {
	f, err := c.function()
	if err != nil {
		return nil, err
	}
	return c.json(configurationOf(f))
}

func lambdaGetPolicy(c *call) (*response, error) {
	f, err := c.function()
	if err != nil {
		return nil, err
	}
	if f.Policy == "" {
		return nil, newAPIError(http.StatusNotFound, "ResourceNotFoundException", "The resource you requested does not exist.")
	}
	return c.json(map[string]string{"Policy": f.Policy, "RevisionId": configurationOf(f).RevisionID})
}

func lambdaListVersions(c *call) (*response, error) {
	f, err := c.function()
	if err != nil {
		return nil, err
	}
	return c.json(map[string]any{"Versions": []functionConfiguration{configurationOf(f)}})
}

// parseIntIn parses a query integer within [lo, hi].
func parseIntIn(v string, lo, hi int) (int, error) {
	n := 0
	for _, ch := range v {
		if ch < '0' || ch > '9' || n > hi {
			return 0, newAPIError(http.StatusBadRequest, "InvalidParameterValueException", "%q is not a valid number", v)
		}
		n = n*10 + int(ch-'0')
	}
	if n < lo || n > hi {
		return 0, newAPIError(http.StatusBadRequest, "InvalidParameterValueException", "%d is out of range [%d, %d]", n, lo, hi)
	}
	return n, nil
}
