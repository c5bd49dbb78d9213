package main

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/custodyhq/custody/lab"
)

// iamAction is the IAM action that authorizes an API call, for the calls
// whose action is not named service:Operation.
func iamAction(service, op string) string {
	switch {
	case service == "bedrock-agent":
		service = "bedrock"
	case service == "s3":
		if a, ok := s3Actions[op]; ok {
			op = a
		}
	}
	return service + ":" + op
}

// s3Actions are the S3 calls whose IAM action has another name.
var s3Actions = map[string]string{
	"ListObjectVersions":         "ListBucketVersions",
	"GetObjectLockConfiguration": "GetBucketObjectLockConfiguration",
	"GetBucketEncryption":        "GetEncryptionConfiguration",
	"GetPublicAccessBlock":       "GetBucketPublicAccessBlock",
}

// The documented policy allows every call a default collection of the
// whole demo organization makes.
func TestIAMPolicyAllowsEveryCall(t *testing.T) {
	b, err := os.ReadFile("../../docs/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Effect string
			Action json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var allowed []string
	for _, st := range doc.Statement {
		var actions []string
		if err := json.Unmarshal(st.Action, &actions); err != nil {
			var one string
			if err := json.Unmarshal(st.Action, &one); err != nil {
				t.Fatal(err)
			}
			actions = []string{one}
		}
		if st.Effect == "Allow" {
			allowed = append(allowed, actions...)
		}
	}
	_, _, srv := collectLab(t, lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{})})
	seen := map[string]bool{}
	for _, c := range srv.Calls() {
		if strings.HasPrefix(c.Operation, "GetFunctionCode") {
			continue // the download of a deployment package GetFunction located
		}
		a := iamAction(c.Service, c.Operation)
		if !seen[a] && !slices.Contains(allowed, a) {
			t.Errorf("docs/iam-policy.json does not allow %s, which collection calls", a)
		}
		seen[a] = true
	}
	if len(seen) < 20 {
		t.Errorf("collection made %d kinds of call: the test proves little", len(seen))
	}
}
