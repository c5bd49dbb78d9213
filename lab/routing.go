package lab

import (
	"errors"
	"net/http"
	"strings"
)

// sigV4 is what the lab reads from a SigV4 signature: the access key and
// the credential scope. Signatures are parsed, not verified.
type sigV4 struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
}

// parseAuth reads the credential scope from the Authorization header
//
//	AWS4-HMAC-SHA256 Credential=AKID/20261116/us-east-1/bedrock/aws4_request, SignedHeaders=..., Signature=...
//
// or, for presigned URLs, from the X-Amz-Credential query parameter.
func parseAuth(r *http.Request) (sigV4, error) {
	var cred string
	if h := r.Header.Get("Authorization"); h != "" {
		alg, rest, _ := strings.Cut(h, " ")
		if alg != "AWS4-HMAC-SHA256" {
			return sigV4{}, errors.New("authorization is not AWS4-HMAC-SHA256")
		}
		for _, part := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential="); ok {
				cred = v
			}
		}
	} else {
		cred = r.URL.Query().Get("X-Amz-Credential")
	}
	if cred == "" {
		return sigV4{}, errors.New("request is not signed with SigV4: missing credential")
	}
	f := strings.Split(cred, "/")
	if len(f) != 5 || f[4] != "aws4_request" || f[0] == "" || f[2] == "" || f[3] == "" {
		return sigV4{}, errors.New("malformed SigV4 credential scope " + cred)
	}
	return sigV4{AccessKeyID: f[0], Date: f[1], Region: f[2], Service: f[3]}, nil
}

// resolveService picks the service for a signing name. Services sharing a
// signing name (bedrock and bedrock-agent) are told apart by their match.
func (s *Server) resolveService(signing string, r *http.Request) *service {
	cands := s.services[signing]
	for _, svc := range cands {
		if svc.match != nil && svc.match(r) {
			return svc
		}
	}
	for _, svc := range cands {
		if svc.match == nil {
			return svc
		}
	}
	return nil
}

// call is one request on its way through the server.
type call struct {
	srv       *Server
	r         *http.Request
	body      []byte
	auth      sigV4
	svc       *service
	op        string
	params    map[string]string // REST path parameters
	region    string
	account   string
	who       *principal
	requestID string
	rec       Call
}

// param returns a REST path parameter.
func (c *call) param(name string) string { return c.params[name] }

// query returns a URL query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// data returns the scenario data of the caller's account in the request's
// region; it is never nil.
func (c *call) data() *Region {
	if r := c.srv.sc.region(c.account, c.region); r != nil {
		return r
	}
	return &Region{}
}

// fail encodes an error in the service's protocol.
func (c *call) fail(err error) *response {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = c.svc.internal
	}
	r := c.svc.proto.errorResponse(c, ae)
	for k, vs := range ae.header {
		r.header[k] = vs
	}
	return r
}

// operation is what a route leads to.
type operation struct {
	handler  func(*call) (*response, error)
	mutating bool
}

// refused marks an operation the lab knows and never serves because it
// changes state.
var refused = operation{mutating: true}

// service is one AWS service as the lab serves it. Each svc_*.go file
// builds one.
type service struct {
	name     string // as in the call log: sts, bedrock, bedrock-agent, ...
	signing  string // SigV4 signing name
	proto    protocol
	match    func(*http.Request) bool // set when several services share a signing name
	route    func(*call) (operation, bool)
	throttle *apiError
	internal *apiError
	quotas   map[string]quota // by operation; "*" applies to all
}

// quota returns the rate limit that applies to an operation.
func (svc *service) quota(op string) (quota, bool) {
	if q, ok := svc.quotas[op]; ok {
		return q, true
	}
	q, ok := svc.quotas["*"]
	return q, ok
}

func (svc *service) unknownOperation(op string) *apiError {
	return svc.proto.unknownOperation(op)
}

func (svc *service) readOnly(op string) *apiError {
	return svc.proto.accessDenied("lab is read-only: " + op + " changes state and is not served")
}

func (svc *service) authError(err *authFailure) *apiError {
	return svc.proto.authError(err)
}

// isReadOnlyName reports whether an operation name reads only, by the
// prefixes AWS uses for reads.
func isReadOnlyName(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Head", "BatchGet", "Filter", "Search", "Select"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// namedRouter routes operations named in the request (X-Amz-Target for
// JSON 1.1, Action for query). Names it does not know are refused as
// mutating unless they read by name, which are unknown.
func namedRouter(name func(*call) string, ops map[string]operation) func(*call) (operation, bool) {
	return func(c *call) (operation, bool) {
		c.op = name(c)
		if op, ok := ops[c.op]; ok {
			return op, true
		}
		if c.op != "" && !isReadOnlyName(c.op) {
			return refused, true
		}
		return operation{}, false
	}
}

// restRoute is one REST operation: a method and a path pattern whose
// {name} segments are captured; a trailing {name+} captures the rest.
type restRoute struct {
	method, pattern, op string
	operation
}

// restRouter routes REST requests by method and path. A request matching no
// route is refused as mutating unless it is a GET or HEAD.
func restRouter(routes []restRoute) func(*call) (operation, bool) {
	return func(c *call) (operation, bool) {
		for _, rt := range routes {
			if rt.method != c.r.Method {
				continue
			}
			if params, ok := matchPath(rt.pattern, c.r.URL.EscapedPath()); ok {
				c.op, c.params = rt.op, params
				return rt.operation, true
			}
		}
		c.op = c.r.Method + " " + c.r.URL.Path
		if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead {
			return refused, true
		}
		return operation{}, false
	}
}

// matchPath matches an escaped path against a pattern and returns the
// unescaped parameters.
func matchPath(pattern, path string) (map[string]string, bool) {
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	params := map[string]string{}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
			if i >= len(xs) {
				return nil, false
			}
			params[p[1:len(p)-2]] = unescapePath(strings.Join(xs[i:], "/"))
			return params, true
		}
		if i >= len(xs) {
			return nil, false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if xs[i] == "" {
				return nil, false
			}
			params[p[1:len(p)-1]] = unescapePath(xs[i])
			continue
		}
		if p != xs[i] {
			return nil, false
		}
	}
	return params, len(ps) == len(xs)
}
