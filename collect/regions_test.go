package collect_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"regexp"
	"testing"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/lab"
)

var signedFor = regexp.MustCompile(`Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request`)

// refusingServices serves the lab behind a proxy that refuses every call
// to the named services (by SigV4 signing name), as an IAM policy without
// their actions would.
func refusingServices(t *testing.T, services ...string) (*lab.Server, string) {
	t.Helper()
	srv, err := lab.New(lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{}), NoQuotas: true})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	target, _ := neturl.Parse(url)
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := signedFor.FindStringSubmatch(r.Header.Get("Authorization"))
		for _, s := range services {
			if m == nil || m[1] != s {
				continue
			}
			if s == "ec2" {
				w.Header().Set("Content-Type", "text/xml")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>deny-ec2</RequestID></Response>`)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"not authorized to perform account:ListRegions"}`)
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return srv, proxy.URL
}

func resolveAll(t *testing.T, srv *lab.Server, url string) *collect.Resolved {
	t.Helper()
	r := srv.Responder()
	sess, err := collect.NewSession(context.Background(), collect.SessionOptions{EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, Case: "t", DefaultRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sess.Resolve(context.Background(), collect.TargetOptions{Org: true, Regions: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The regions of "--regions all" come from account:ListRegions, from EC2
// DescribeRegions where that is refused, and only when both refuse is the
// account a gap collected in its home region alone.
func TestRegionsAllFallsBackToEC2(t *testing.T) {
	for _, tc := range []struct {
		refuse  []string
		regions int // per account
		gaps    bool
	}{
		{nil, 17, false},
		{[]string{"account"}, 17, false},
		{[]string{"account", "ec2"}, 1, true},
	} {
		srv, url := refusingServices(t, tc.refuse...)
		res := resolveAll(t, srv, url)
		if len(res.Info) != 3 {
			t.Fatalf("refusing %v: %d accounts resolved, want 3", tc.refuse, len(res.Info))
		}
		for _, ti := range res.Info {
			if len(ti.Regions) != tc.regions {
				t.Errorf("refusing %v: account %s has %d regions, want %d", tc.refuse, ti.Account, len(ti.Regions), tc.regions)
			}
		}
		if got := len(res.Gaps) > 0; got != tc.gaps {
			t.Errorf("refusing %v: gaps %+v", tc.refuse, res.Gaps)
		}
		for _, g := range res.Gaps {
			if g.Unit.Source != collect.SourceTargets || g.Unit.ID != "regions" || g.Cause != "AccessDeniedException" {
				t.Errorf("refusing %v: gap %+v, want the account's regions refused (first cause)", tc.refuse, g)
			}
		}
	}
}
