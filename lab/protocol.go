package lab

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
)

// apiError is an AWS error as a service sends it.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header // extra response headers, such as S3's x-amz-bucket-region
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.code, e.status, e.message) }

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// protocol is one of AWS's wire protocols: how errors look, and the
// service-independent errors in its shape.
type protocol interface {
	errorResponse(c *call, e *apiError) *response
	unknownOperation(op string) *apiError
	accessDenied(msg string) *apiError
	authError(f *authFailure) *apiError
}

// newRequestID returns a request id shaped as AWS's (a UUID).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b)
}

// formatUUID formats 16 bytes as a version 4 UUID.
func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func unescapePath(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// ok builds a successful response with the request id header AWS sends.
func (c *call) ok(contentType string, body []byte) *response {
	h := http.Header{}
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-RequestId", c.requestID)
	h.Set("Date", c.rec.Time.Format(http.TimeFormat))
	return &response{status: http.StatusOK, header: h, body: body}
}
