package lab

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"net/http"
)

// restXML is the restXml protocol as S3 speaks it: operations by method,
// path and query, XML bodies, errors as <Error><Code>, request ids in
// x-amz-request-id and x-amz-id-2.
type restXML struct{}

const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

type s3Error struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	Resource  string   `xml:"Resource,omitempty"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
}

func (restXML) errorResponse(c *call, e *apiError) *response {
	var body []byte
	if c.r.Method != http.MethodHead {
		body, _ = xml.Marshal(s3Error{Code: e.code, Message: e.message, Resource: c.r.URL.Path, RequestID: c.requestID, HostID: hostID(c.requestID)})
		body = append([]byte(xml.Header), body...)
	}
	r := c.s3ok("application/xml", body)
	r.status = e.status
	return r
}

func (restXML) unknownOperation(op string) *apiError {
	return newAPIError(http.StatusNotImplemented, "NotImplemented", "A header or query you provided implies functionality that is not implemented: %s", op)
}

func (restXML) accessDenied(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "AccessDenied", "%s", msg)
}

func (restXML) authError(f *authFailure) *apiError {
	if f.expired {
		return newAPIError(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
	}
	return newAPIError(http.StatusForbidden, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records.")
}

// hostID is the opaque x-amz-id-2 of a request.
func hostID(requestID string) string {
	sum := sha256.Sum256([]byte(requestID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// s3ok is a successful S3 response with S3's request id headers.
func (c *call) s3ok(contentType string, body []byte) *response {
	r := c.ok(contentType, body)
	r.header.Del("x-amzn-RequestId")
	r.header.Set("x-amz-request-id", c.requestID)
	r.header.Set("x-amz-id-2", hostID(c.requestID))
	r.header.Set("Server", "AmazonS3")
	return r
}

// xmlDoc answers with an S3 XML document.
func (c *call) xmlDoc(v any) (*response, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.s3ok("application/xml", append([]byte(xml.Header), b...)), nil
}

// canonicalID is the S3 canonical user id of an account.
func canonicalID(account string) string {
	sum := sha256.Sum256([]byte("canonical/" + account))
	return hex.EncodeToString(sum[:])
}
