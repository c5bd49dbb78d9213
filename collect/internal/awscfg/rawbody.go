package awscfg

import (
	"bytes"
	"context"
	"io"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// rawCapture holds the bytes of a response body exactly as they came off
// the wire, up to a limit.
type rawCapture struct {
	buf       bytes.Buffer
	limit     int
	truncated bool
}

func (c *rawCapture) Write(p []byte) (int, error) {
	room := c.limit - c.buf.Len()
	if room < len(p) {
		c.truncated = true
		if room > 0 {
			c.buf.Write(p[:room])
		}
		return len(p), nil
	}
	return c.buf.Write(p)
}

type rawKey struct{}

type rawBodyMiddleware struct{ limit int }

func (rawBodyMiddleware) ID() string { return "custody.RawBody" }

func (m rawBodyMiddleware) HandleDeserialize(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
	out, md, err := next.HandleDeserialize(ctx, in)
	if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
		c := &rawCapture{limit: m.limit}
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(resp.Body, c), resp.Body}
		md.Set(rawKey{}, c)
	}
	return out, md, err
}

// CaptureRawBody is an APIOptions entry that keeps the response body of
// each call, byte-exact, so that what AWS said is preserved rather than our
// re-encoding of it. Bodies past limit bytes are cut and flagged.
func CaptureRawBody(limit int) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(rawBodyMiddleware{limit: limit}, middleware.After)
	}
}

// RawBody returns the captured body of a call made with CaptureRawBody, and
// whether it is complete.
func RawBody(md middleware.Metadata) (body []byte, complete bool) {
	c, ok := md.Get(rawKey{}).(*rawCapture)
	if !ok {
		return nil, false
	}
	return c.buf.Bytes(), !c.truncated
}
