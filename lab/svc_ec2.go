package lab

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// ec2Service is the part of Amazon EC2 a collector reads when the Account
// Management API refuses it: DescribeRegions (ec2Query).
func ec2Service() *service {
	return &service{
		name:    "ec2",
		signing: "ec2",
		proto:   ec2Query{},
		route: namedRouter(action, map[string]operation{
			"DescribeRegions": {handler: describeRegions},
		}),
		throttle: newAPIError(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."),
		internal: newAPIError(http.StatusInternalServerError, "InternalError", "An internal error has occurred"),
	}
}

// ec2Query is EC2's own query protocol: form-encoded requests like
// awsQuery, but responses are not wrapped in a Result element, the request
// id is <requestId>, and errors are <Response><Errors><Error>.
type ec2Query struct{}

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

type ec2ErrorResponse struct {
	XMLName   xml.Name `xml:"Response"`
	Errors    []ec2Err `xml:"Errors>Error"`
	RequestID string   `xml:"RequestID"`
}

type ec2Err struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

func (ec2Query) errorResponse(c *call, e *apiError) *response {
	body, _ := xml.Marshal(ec2ErrorResponse{Errors: []ec2Err{{Code: e.code, Message: e.message}}, RequestID: c.requestID})
	r := c.ok(contentTypeXML, body)
	r.status = e.status
	return r
}

func (ec2Query) unknownOperation(op string) *apiError {
	return newAPIError(http.StatusBadRequest, "InvalidAction", "The action %s is not valid for this web service.", op)
}

func (ec2Query) accessDenied(msg string) *apiError {
	return newAPIError(http.StatusForbidden, "UnauthorizedOperation", "You are not authorized to perform this operation. %s", msg)
}

func (ec2Query) authError(f *authFailure) *apiError {
	if f.expired {
		return newAPIError(http.StatusBadRequest, "RequestExpired", "Request has expired.")
	}
	return newAPIError(http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials")
}

// ec2Result answers with the fields of result inside <OpResponse xmlns>
// after the request id, as EC2 does.
func (c *call) ec2Result(result any) (*response, error) {
	var b bytes.Buffer
	b.WriteString(`<` + c.op + `Response xmlns="` + ec2Namespace + `"><requestId>` + c.requestID + `</requestId>`)
	inner, err := xml.Marshal(result)
	if err != nil {
		return nil, err
	}
	// result marshals as <x>fields</x>; EC2 puts the fields directly in
	// the response element.
	inner = inner[bytes.IndexByte(inner, '>')+1 : bytes.LastIndexByte(inner, '<')]
	b.Write(inner)
	b.WriteString(`</` + c.op + `Response>`)
	return c.ok(contentTypeXML, b.Bytes()), nil
}

type ec2Region struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

// describeRegions lists the regions enabled for the account, or with
// AllRegions=true every region with its opt-in status. RegionName.N and the
// region-name and opt-in-status filters narrow the list.
func describeRegions(c *call) (*response, error) {
	f := c.form()
	all, _ := strconv.ParseBool(f.Get("AllRegions"))
	names := indexed(f, "RegionName.")
	filters := map[string][]string{}
	for i := 1; ; i++ {
		n := f.Get("Filter." + strconv.Itoa(i) + ".Name")
		if n == "" {
			break
		}
		filters[n] = indexed(f, "Filter."+strconv.Itoa(i)+".Value.")
	}
	var out []ec2Region
	for _, r := range allRegionStatuses() {
		status := "opt-in-not-required"
		if r.RegionOptStatus == "DISABLED" {
			status = "not-opted-in"
		}
		if !all && status == "not-opted-in" {
			continue
		}
		if len(names) > 0 && !slices.Contains(names, r.RegionName) {
			continue
		}
		if v, ok := filters["region-name"]; ok && !slices.Contains(v, r.RegionName) {
			continue
		}
		if v, ok := filters["opt-in-status"]; ok && !slices.Contains(v, status) {
			continue
		}
		out = append(out, ec2Region{RegionName: r.RegionName, RegionEndpoint: "ec2." + r.RegionName + ".amazonaws.com", OptInStatus: status})
	}
	for _, n := range names {
		if !slices.ContainsFunc(allRegionStatuses(), func(r regionStatus) bool { return r.RegionName == n }) {
			return nil, newAPIError(http.StatusBadRequest, "InvalidParameterValue", "Invalid region: %s", n)
		}
	}
	return c.ec2Result(struct {
		XMLName xml.Name    `xml:"x"`
		Regions []ec2Region `xml:"regionInfo>item"`
	}{Regions: out})
}

// indexed returns the values of a query list: prefix1, prefix2, ...
func indexed(f map[string][]string, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := f[prefix+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, strings.TrimSpace(v[0]))
	}
}
