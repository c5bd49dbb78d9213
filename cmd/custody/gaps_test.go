package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/lab"
)

const expiredRegion = "ap-northeast-1"

var credentialScope = regexp.MustCompile(`Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/aws4_request`)

// refusingProxy stands in front of the lab and refuses, as AWS would, what
// an estate's policies refuse: one member role cannot be assumed, one
// region is denied to everything (as a region-deny SCP does), Bedrock is
// not enabled in another region, and in a fourth every token has expired.
func refusingProxy(t *testing.T, labURL, deniedRole, deniedRegion, bedrockOff string) string {
	t.Helper()
	target, _ := url.Parse(labURL)
	rp := httputil.NewSingleHostReverseProxy(target)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization"))
		region, service := "", ""
		if m != nil {
			region, service = m[1], m[2]
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch {
		case service == "sts" && strings.Contains(string(body), "Action=AssumeRole") && strings.Contains(string(body), url.QueryEscape(deniedRole)):
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole on %s</Message></Error><RequestId>deny-1</RequestId></ErrorResponse>`, deniedRole)
		case region == deniedRegion && service != "sts":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"AccessDeniedException","message":"explicit deny in a service control policy"}`)
		case region == expiredRegion && service != "sts":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.Header().Set("X-Amzn-Errortype", "ExpiredTokenException")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}`)
		case region == bedrockOff && service == "bedrock":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", "OptInRequired")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"message":"Bedrock is not enabled for this account in this region"}`)
		default:
			rp.ServeHTTP(w, r)
		}
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestRefusalsBecomeGapsAndTheRestIsCollected(t *testing.T) {
	sc := lab.Builtin(lab.BuiltinOptions{})
	srv, err := lab.New(lab.Options{Scenario: sc, NoQuotas: true})
	if err != nil {
		t.Fatal(err)
	}
	labURL, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	accounts := sc.Accounts()
	r := srv.Responder()
	var member string
	for _, a := range accounts {
		if a != r.Account {
			member = a
			break
		}
	}
	deniedRole := "arn:aws:iam::" + member + ":role/" + collect.DefaultRoleName
	proxy := refusingProxy(t, labURL, deniedRole, "eu-west-1", "us-west-2")

	dir := t.TempDir()
	key, _ := archive.GenerateKey("ed25519")
	if err := archive.WriteKeyPair(filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub"), key, nil); err != nil {
		t.Fatal(err)
	}
	since, until := sc.Window()
	res, err := runCollect(context.Background(), testEnv(), &collectOptions{
		EndpointURL: proxy, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
		Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"us-east-1", "us-west-2", "eu-west-1", expiredRegion},
		Since: since, Until: until, Sources: sourceNames, Case: "refusals", Out: filepath.Join(dir, "b"),
		Key: filepath.Join(dir, "k.key"), Parallel: 64, DefaultRate: 100, Quiet: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	causes := map[string]int{}
	for _, g := range res.Manifest.Gaps {
		switch {
		case g.Account == member && g.Source == collect.SourceTargets:
			if g.Cause != "AccessDenied" {
				t.Errorf("role of %s: cause %q, want AccessDenied", member, g.Cause)
			}
			causes["role"]++
		case g.Region == "eu-west-1":
			if g.Cause != "AccessDeniedException" {
				t.Errorf("denied region: %s/%s cause %q", g.Source, g.Unit, g.Cause)
			}
			causes["region"]++
		case g.Region == expiredRegion:
			if g.Cause != "ExpiredTokenException" {
				t.Errorf("expired token: %s/%s cause %q", g.Source, g.Unit, g.Cause)
			}
			causes["expired"]++
		case g.Region == "us-west-2" && g.Cause == "OptInRequired":
			// Every source that reads Bedrock there, discovery included.
			causes["bedrock-off"]++
		default:
			t.Errorf("unexpected gap %+v", g)
		}
	}
	if causes["role"] != 1 || causes["region"] == 0 || causes["bedrock-off"] == 0 || causes["expired"] == 0 {
		t.Errorf("gaps by kind = %v; want one for the role, and some for the region and for bedrock", causes)
	}
	for _, ti := range res.Resolved.Info {
		if ti.Account == member {
			t.Errorf("account %s has a target although its role cannot be assumed", member)
		}
	}

	// Everything else is collected: every event of every other account in
	// the two allowed regions.
	want := 0
	for _, a := range accounts {
		if a == member {
			continue
		}
		for _, region := range []string{"us-east-1", "us-west-2"} {
			want += len(sc.EventIDs(a, region, since, until))
		}
	}
	var got int64
	for _, tb := range res.Manifest.Tables {
		if tb.Name == "cloudtrail_events" {
			got = tb.Rows
		}
	}
	if int(got) != want || want == 0 {
		t.Errorf("collected %d events, want %d", got, want)
	}
}
