// Package labtest runs collect's sources over the wire against the lab:
// it starts the emulated estate, resolves its organization's targets, and
// keeps what the sources give in memory, blobs hashed as the bundle writer
// hashes them.
package labtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockagent"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sagemaker"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/schemas"
)

// Lab is a started lab and a session of its responder.
type Lab struct {
	Server   *lab.Server
	Session  *collect.Session
	Targets  []collect.Target
	Scenario *lab.Scenario
}

// Start serves sc on a loopback port until the test ends, and resolves
// every account and region of its organization.
func Start(t testing.TB, sc *lab.Scenario) *Lab { return StartRefusing(t, sc, nil) }

// StartRefusing is Start with the lab behind a proxy that answers the
// requests refuse matches as a service refuses a caller its policies deny:
// 403 AccessDeniedException in REST-JSON, or, to S3, 403 AccessDenied in
// S3's XML.
func StartRefusing(t testing.TB, sc *lab.Scenario, refuse func(*http.Request) bool) *Lab {
	t.Helper()
	srv, err := lab.New(lab.Options{Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	if refuse != nil {
		url = refusing(t, url, refuse)
	}
	ctx := context.Background()
	r := srv.Responder()
	sess, err := collect.NewSession(ctx, collect.SessionOptions{EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, Case: "t", DefaultRate: 50})
	if err != nil {
		t.Fatal(err)
	}
	res, err := sess.Resolve(ctx, collect.TargetOptions{Org: true, Regions: sc.Regions()})
	if err != nil {
		t.Fatal(err)
	}
	return &Lab{Server: srv, Session: sess, Targets: res.Targets, Scenario: sc}
}

func refusing(t testing.TB, labURL string, refuse func(*http.Request) bool) string {
	target, err := neturl.Parse(labURL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !refuse(r) {
			rp.ServeHTTP(w, r)
			return
		}
		if strings.Contains(r.Header.Get("Authorization"), "/s3/aws4_request") {
			w.Header().Set("Content-Type", "application/xml")
			w.Header().Set("X-Amz-Request-Id", "REFUSEDBYTHETEST")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Error><Code>AccessDenied</Code><Message>not authorized by the test's policy</Message><RequestId>REFUSEDBYTHETEST</RequestId></Error>`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"not authorized by the test's policy"}`)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// Estate is discovery through real clients of the lab.
func (l *Lab) Estate() *discover.Estate {
	return &discover.Estate{
		Agents:  func(t collect.Target) (discover.AgentsAPI, error) { return l.Agents(t), nil },
		Bedrock: func(t collect.Target) (discover.BedrockAPI, error) { return l.Bedrock(t), nil },
		Lambda:  func(t collect.Target) (discover.LambdaAPI, error) { return l.Lambda(t), nil },
		SageMaker: func(t collect.Target) (discover.SageMakerAPI, error) {
			return l.SageMaker(t), nil
		},
	}
}

// SageMaker is a sagemaker client of a target that keeps bodies.
func (l *Lab) SageMaker(t collect.Target) *sagemaker.Client {
	return sagemaker.NewFromConfig(l.Session.Config(t), func(o *sagemaker.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}

// Agents is a bedrock-agent client of a target that keeps bodies.
func (l *Lab) Agents(t collect.Target) *bedrockagent.Client {
	return bedrockagent.NewFromConfig(l.Session.Config(t), func(o *bedrockagent.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}

// Bedrock is a bedrock client of a target that keeps bodies.
func (l *Lab) Bedrock(t collect.Target) *bedrock.Client {
	return bedrock.NewFromConfig(l.Session.Config(t), func(o *bedrock.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}

// Lambda is a lambda client of a target that keeps bodies.
func (l *Lab) Lambda(t collect.Target) *lambda.Client {
	return lambda.NewFromConfig(l.Session.Config(t), func(o *lambda.Options) {
		o.APIOptions = append(o.APIOptions, collect.CaptureRawBody())
	})
}

// Run collects sources from every target and fails the test on gaps.
func (l *Lab) Run(t testing.TB, sources ...collect.Source) *Sink {
	t.Helper()
	sink := l.RunWithGaps(t, sources...)
	if len(sink.Gaps) > 0 {
		t.Fatalf("%d gaps; first: %+v", len(sink.Gaps), sink.Gaps[0])
	}
	return sink
}

// RunWithGaps collects sources from every target, gaps allowed.
func (l *Lab) RunWithGaps(t testing.TB, sources ...collect.Source) *Sink {
	t.Helper()
	sink := &Sink{Blobs: map[string][]byte{}}
	if _, err := collect.Run(context.Background(), l.Targets, sources, sink, collect.Options{}); err != nil {
		t.Fatal(err)
	}
	return sink
}

// Sink keeps rows, blobs by sha256, and gaps.
type Sink struct {
	mu        sync.Mutex
	Resources []*schemas.Resource
	Objects   []*schemas.Object
	Blobs     map[string][]byte
	Gaps      []collect.Gap
}

func (s *Sink) Put(_ context.Context, e collect.Evidence) error {
	var body []byte
	if e.Body != nil {
		b, err := io.ReadAll(e.Body)
		if err != nil {
			return err
		}
		body = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Body != nil {
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])
		s.Blobs[h] = body
		if br, ok := e.Row.(schemas.BlobRow); ok {
			br.SetBlob(h, int64(len(body)))
		}
	}
	switch r := e.Row.(type) {
	case *schemas.Resource:
		s.Resources = append(s.Resources, r)
	case *schemas.Object:
		s.Objects = append(s.Objects, r)
	}
	return nil
}

func (s *Sink) Gap(_ context.Context, g collect.Gap) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Gaps = append(s.Gaps, g)
	return nil
}

// Kind returns the resources of a kind.
func (s *Sink) Kind(kind string) []*schemas.Resource {
	var out []*schemas.Resource
	for _, r := range s.Resources {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// CheckGaps fails the test unless the sink holds exactly want gaps, each
// with cause and of one of the units named.
func (s *Sink) CheckGaps(t testing.TB, want int, cause string, units ...string) {
	t.Helper()
	if len(s.Gaps) != want {
		t.Errorf("%d gaps, want %d", len(s.Gaps), want)
	}
	for _, g := range s.Gaps {
		if g.Cause != cause || !slices.Contains(units, g.Unit.ID) {
			t.Errorf("gap %+v, want %s of one of %q", g, cause, units)
		}
	}
}
