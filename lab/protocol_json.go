package lab

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"
)

// jsonRPC is the awsJson1_1 protocol: POST /, the operation in X-Amz-Target
// as "<prefix>.<Operation>", JSON bodies, errors named by __type and the
// X-Amzn-Errortype header. Timestamps are epoch seconds.
type jsonRPC struct {
	prefix string // e.g. CloudTrail_20131101
}

// restJSON is the restJson1 protocol: operations by method and path, JSON
// bodies, errors named by X-Amzn-Errortype. Timestamps are ISO 8601 strings
// unless the model says otherwise.
type restJSON struct{}

const (
	contentTypeJSON11 = "application/x-amz-json-1.1"
	contentTypeJSON   = "application/json"
)

// target returns the operation named by X-Amz-Target, or "" if the target
// is not the service's. The SDKs send "<prefix>.<Operation>"; some clients
// qualify the prefix with its namespace
// (com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents).
func (p jsonRPC) target(c *call) string {
	t := c.r.Header.Get("X-Amz-Target")
	i := strings.LastIndexByte(t, '.')
	if i < 0 || c.r.Method != http.MethodPost {
		return ""
	}
	if svc := t[:i]; svc != p.prefix && !strings.HasSuffix(svc, "."+p.prefix) {
		return ""
	}
	return t[i+1:]
}

func jsonError(c *call, e *apiError, contentType string) *response {
	body, _ := json.Marshal(map[string]string{"__type": e.code, "message": e.message})
	r := c.ok(contentType, body)
	r.status = e.status
	r.header.Set("X-Amzn-Errortype", e.code)
	return r
}

func (jsonRPC) errorResponse(c *call, e *apiError) *response {
	return jsonError(c, e, contentTypeJSON11)
}

func (jsonRPC) unknownOperation(op string) *apiError {
	return newAPIError(http.StatusBadRequest, "UnknownOperationException", "operation %q is not served by the lab", op)
}

func (jsonRPC) accessDenied(msg string) *apiError {
	return newAPIError(http.StatusBadRequest, "AccessDeniedException", "%s", msg)
}

func (jsonRPC) authError(f *authFailure) *apiError { return jsonAuthError(http.StatusBadRequest, f) }

// jsonAuthError is how JSON services refuse credentials.
func jsonAuthError(status int, f *authFailure) *apiError {
	if f.expired {
		return newAPIError(status, "ExpiredTokenException", "The security token included in the request is expired")
	}
	return newAPIError(status, "UnrecognizedClientException", "The security token included in the request is invalid.")
}

func (restJSON) errorResponse(c *call, e *apiError) *response {
	return jsonError(c, e, contentTypeJSON)
}

func (restJSON) unknownOperation(op string) *apiError {
	return newAPIError(http.StatusNotFound, "UnknownOperationException", "operation %q is not served by the lab", op)
}

func (restJSON) accessDenied(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "AccessDeniedException", "%s", msg)
}

func (restJSON) authError(f *authFailure) *apiError { return jsonAuthError(http.StatusForbidden, f) }

// json answers with a JSON body in the service's protocol.
func (c *call) json(v any) (*response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	ct := contentTypeJSON
	if _, ok := c.svc.proto.(jsonRPC); ok {
		ct = contentTypeJSON11
	}
	return c.ok(ct, body), nil
}

// decode reads the JSON request body into v; an empty body is an empty
// object.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return newAPIError(http.StatusBadRequest, "SerializationException", "request body: %v", err)
	}
	return nil
}

// epoch is a timestamp as awsJson1_1 sends it: seconds since the epoch,
// with milliseconds as a fraction.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	return json.Marshal(float64(tt.UnixMilli()) / 1000)
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*t = epoch(time.UnixMilli(int64(math.Round(f * 1000))).UTC())
	return nil
}

// epochPtr returns nil for the zero time, so omitempty drops it.
func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}

// Time is the timestamp.
func (t epoch) Time() time.Time { return time.Time(t) }
