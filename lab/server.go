// Package lab is an emulated AWS estate: a wire-compatible endpoint that the
// real aws-sdk-go-v2 clients talk to over HTTP, serving a Scenario (an
// organization, its accounts and regions, CloudTrail history, Bedrock and
// surrounding resources) read-only, with quotas and injectable faults.
//
// It backs custody's tests and `custody demo`, and serves incident-response
// drills.
package lab

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	Scenario *Scenario     // nil means Builtin(BuiltinOptions{})
	Faults   Faults        // see ParseFaults
	Latency  time.Duration // added to every request
	Seed     int64         // seeds fault injection and keys, so a run replays
	CallLog  io.Writer     // when set, one JSON line per request
	NoQuotas bool          // quotas are on unless set
}

// Server serves a Scenario over HTTP as AWS would. It is an http.Handler.
type Server struct {
	opts      Options
	sc        *Scenario
	services  map[string][]*service // by signing name
	creds     *credentials
	quotas    *quotas
	faults    *faultPlan
	calls     *callLog
	responder *principal
	keys      *keyring
	enabled   map[string]bool // regions that answer

	mu   sync.Mutex
	http *http.Server
	ln   net.Listener
}

// settle is the least time the server takes to answer, and settleLarge
// the least for a body larger than a client reads in one go. The SDK closes
// a request's body as soon as the response arrives; if that happens before
// net/http's transport has finished its final read of the body, the
// transport gets io.EOF from the SDK's closed body, takes it for a write
// failure and closes the connection under the response being read ("use of
// closed network connection"). A response the client has already buffered
// whole survives that; a larger one needs the transport to have finished
// first. A real AWS endpoint is never this fast.
const (
	settle      = 2 * time.Millisecond
	settleLarge = 20 * time.Millisecond
	smallBody   = 3 << 10
)

// maxBody bounds request bodies; AWS's own limits are lower for every
// operation the lab serves.
const maxBody = 16 << 20

// New returns a server for the options' scenario.
func New(o Options) (*Server, error) {
	if o.Scenario == nil {
		o.Scenario = Builtin(BuiltinOptions{Seed: o.Seed})
	}
	if err := o.Faults.validate(); err != nil {
		return nil, err
	}
	s := &Server{
		opts:    o,
		sc:      o.Scenario,
		quotas:  newQuotas(!o.NoQuotas),
		faults:  newFaultPlan(o.Faults, o.Seed),
		calls:   newCallLog(o.CallLog),
		keys:    newKeyring(o.Seed),
		enabled: enabledRegions(o.Scenario),
	}
	s.creds = newCredentials(o.Seed)
	mgmt := s.sc.Organization.ManagementAccount
	s.responder = s.creds.responder(mgmt, s.sc.Organization.Responder)
	s.services = map[string][]*service{}
	for _, svc := range s.allServices() {
		s.services[svc.signing] = append(s.services[svc.signing], svc)
	}
	return s, nil
}

// Credentials are a principal's keys with where they lead.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Region          string
	Account         string
	ARN             string
}

// Responder returns the long-term credentials of the responder, an IAM user
// in the management account.
func (s *Server) Responder() Credentials {
	p := s.responder
	return Credentials{
		AccessKeyID:     p.AccessKeyID,
		SecretAccessKey: p.Secret,
		Region:          "us-east-1",
		Account:         p.Account,
		ARN:             p.ARN,
	}
}

// Scenario returns the scenario the server serves.
func (s *Server) Scenario() *Scenario { return s.sc }

// Calls returns every request served so far, in the order they finished.
func (s *Server) Calls() []Call { return s.calls.all() }

// Start listens on addr (for example "127.0.0.1:0") and serves in the
// background. It returns the base URL to use as the SDK's BaseEndpoint.
func (s *Server) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("lab: listen %s: %w", addr, err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.mu.Lock()
	s.http, s.ln = hs, ln
	s.mu.Unlock()
	go func() { _ = hs.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// Close stops serving and closes open connections.
func (s *Server) Close() error {
	s.mu.Lock()
	hs := s.http
	s.http = nil
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	if err := hs.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("lab: close: %w", err)
	}
	return nil
}

// ServeHTTP answers one AWS API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	c := &call{srv: s, r: r, requestID: newRequestID()}
	c.rec = Call{Time: start.UTC(), RequestID: c.requestID}

	resp := s.handle(c)

	wait := settle
	switch {
	case resp.stream != nil && len(c.body) == 0:
		// The race settle guards against needs a request body.
		wait = 0
	case resp.length() > smallBody:
		wait = settleLarge
	}
	time.Sleep(max(s.opts.Latency, wait))
	// The call is on record before the client sees anything of it.
	c.rec.Status = resp.status
	s.calls.add(c.rec)
	switch {
	case c.rec.Fault == FaultReset:
		reset(w)
	case c.rec.Fault == FaultTruncate:
		truncate(w, resp)
	default:
		resp.write(w)
	}
}

// handle routes, authenticates, applies faults and quotas, and runs the
// operation. It always returns a response; errors are encoded in the
// protocol of the service.
func (s *Server) handle(c *call) *response {
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	if err != nil || len(body) > maxBody {
		return plainError(http.StatusBadRequest, "request body unreadable or too large")
	}
	c.body = body

	auth, err := parseAuth(c.r)
	if err != nil {
		return plainError(http.StatusForbidden, err.Error())
	}
	c.auth = auth
	c.region = auth.Region
	c.svc = s.resolveService(auth.Service, c.r)
	if c.svc == nil {
		return plainError(http.StatusBadRequest, "lab does not serve "+auth.Service)
	}
	c.rec.Service, c.rec.Region = c.svc.name, c.region

	op, ok := c.svc.route(c)
	c.rec.Operation, c.rec.Mutating = c.op, op.mutating
	if !ok {
		return c.fail(c.svc.unknownOperation(c.op))
	}

	p, aerr := s.creds.lookup(auth.AccessKeyID, c.r)
	if aerr != nil {
		return c.fail(c.svc.authError(aerr))
	}
	c.who = p
	c.account = p.Account
	c.rec.Account = p.Account
	if !s.regionEnabled(c.region) {
		// A region the account has not opted into rejects its credentials.
		return c.fail(c.svc.authError(&authFailure{}))
	}

	switch f := s.faults.decide(c); f {
	case FaultThrottle:
		c.rec.Fault = f
		return c.fail(c.svc.throttle)
	case FaultError:
		c.rec.Fault = f
		return c.fail(c.svc.internal)
	case FaultReset, FaultTruncate:
		c.rec.Fault = f
		if f == FaultReset {
			return &response{status: 0}
		}
	}

	if op.mutating {
		return c.fail(c.svc.readOnly(c.op))
	}
	if q, ok := c.svc.quota(c.op); ok && !s.quotas.allow(c.account+"/"+c.region+"/"+c.svc.name+"/"+q.name, q, time.Now()) {
		return c.fail(q.err)
	}

	resp, err := op.handler(c)
	if err != nil {
		return c.fail(err)
	}
	return resp
}

// response is an answer before it goes on the wire.
type response struct {
	status int
	header http.Header
	body   []byte
	head   bool // answers a HEAD: Content-Length is the entity's, and there is no body
	// stream, when set, is the body instead, size bytes long: content
	// generated as it is sent.
	stream io.Reader
	size   int64
}

// length is the body's length.
func (r *response) length() int64 {
	if r.stream != nil {
		return r.size
	}
	return int64(len(r.body))
}

func (r *response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range r.header {
		h[k] = vs
	}
	if !r.head {
		h.Set("Content-Length", strconv.FormatInt(r.length(), 10))
	}
	w.WriteHeader(r.status)
	if r.stream != nil {
		_, _ = io.CopyBuffer(w, r.stream, make([]byte, 256<<10))
		return
	}
	_, _ = io.Copy(w, bytes.NewReader(r.body))
}

// plainError answers a request the lab could not attribute to a service.
func plainError(status int, msg string) *response {
	h := http.Header{}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	return &response{status: status, header: h, body: []byte(msg + "\n")}
}
