package lab

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/url"
)

// query is the awsQuery protocol: form-encoded POST bodies naming Action and
// Version, XML responses wrapped in <OpResponse><OpResult>, errors as
// <ErrorResponse><Error><Code>.
type query struct {
	xmlns string // e.g. https://sts.amazonaws.com/doc/2011-06-15/
}

const contentTypeXML = "text/xml"

// form returns the request's form values.
func (c *call) form() url.Values {
	v, err := url.ParseQuery(string(c.body))
	if err != nil || len(v) == 0 {
		return c.r.URL.Query()
	}
	return v
}

// action names the operation of a query request.
func action(c *call) string { return c.form().Get("Action") }

type queryErrorResponse struct {
	XMLName   xml.Name `xml:"ErrorResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	Error     queryErr `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

type queryErr struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (p query) errorResponse(c *call, e *apiError) *response {
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	body, _ := xml.Marshal(queryErrorResponse{
		Xmlns:     p.xmlns,
		Error:     queryErr{Type: typ, Code: e.code, Message: e.message},
		RequestID: c.requestID,
	})
	r := c.ok(contentTypeXML, body)
	r.status = e.status
	return r
}

func (query) unknownOperation(op string) *apiError {
	return newAPIError(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version", op)
}

func (query) accessDenied(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "AccessDenied", "%s", msg)
}

func (query) authError(f *authFailure) *apiError {
	if f.expired {
		return newAPIError(http.StatusForbidden, "ExpiredToken", "The security token included in the request is expired")
	}
	return newAPIError(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid.")
}

// queryResult answers with result wrapped as the query protocol wraps it:
// <OpResponse xmlns><OpResult>result</OpResult><ResponseMetadata>.
// result must marshal its own element named OpResult.
func (c *call) queryResult(result any) (*response, error) {
	p := c.svc.proto.(query)
	var b bytes.Buffer
	b.WriteString(`<` + c.op + `Response xmlns="` + p.xmlns + `">`)
	if result != nil {
		inner, err := xml.Marshal(result)
		if err != nil {
			return nil, err
		}
		b.Write(inner)
	}
	b.WriteString(`<ResponseMetadata><RequestId>` + c.requestID + `</RequestId></ResponseMetadata>`)
	b.WriteString(`</` + c.op + `Response>`)
	return c.ok(contentTypeXML, b.Bytes()), nil
}
