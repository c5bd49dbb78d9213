package lab

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// s3Service is Amazon S3 (restXml), path-style and virtual-hosted.
func s3Service() *service {
	slow := newAPIError(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	return &service{
		name:     "s3",
		signing:  "s3",
		proto:    restXML{},
		route:    routeS3,
		throttle: slow,
		internal: newAPIError(http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again."),
		// S3 answers SlowDown past a few thousand requests a second.
		quotas: map[string]quota{"*": {name: "requests", rate: 3500, burst: 3500, err: slow}},
	}
}

// s3Target is the bucket and key a request addresses.
type s3Target struct{ bucket, key string }

// s3Addressed splits a request into bucket and key: virtual-hosted when the
// host's first label names a bucket of the scenario, path-style otherwise.
func (c *call) s3Addressed() s3Target {
	host := hostName(c.r)
	if net.ParseIP(host) == nil {
		if label, _, ok := strings.Cut(host, "."); ok && c.srv.sc.bucket(label) != nil {
			return s3Target{bucket: label, key: unescapePath(strings.TrimPrefix(c.r.URL.EscapedPath(), "/"))}
		}
	}
	p := strings.TrimPrefix(c.r.URL.EscapedPath(), "/")
	b, k, _ := strings.Cut(p, "/")
	return s3Target{bucket: unescapePath(b), key: unescapePath(k)}
}

// s3Op names S3 operations by method, addressing and subresource.
func s3Op(method string, t s3Target, q url.Values) string {
	has := func(k string) bool { _, ok := q[k]; return ok }
	switch {
	case t.bucket == "":
		if method == http.MethodGet {
			return "ListBuckets"
		}
	case t.key == "":
		if method != http.MethodGet && method != http.MethodHead {
			break
		}
		if method == http.MethodHead {
			return "HeadBucket"
		}
		for _, sub := range []struct{ q, op string }{
			{"location", "GetBucketLocation"}, {"versioning", "GetBucketVersioning"}, {"policy", "GetBucketPolicy"},
			{"encryption", "GetBucketEncryption"}, {"publicAccessBlock", "GetPublicAccessBlock"}, {"tagging", "GetBucketTagging"},
			{"object-lock", "GetObjectLockConfiguration"},
			{"versions", "ListObjectVersions"},
		} {
			if has(sub.q) {
				return sub.op
			}
		}
		if q.Get("list-type") == "2" {
			return "ListObjectsV2"
		}
		if len(q) == 0 || has("prefix") || has("marker") || has("max-keys") {
			return "ListObjects"
		}
	default:
		switch method {
		case http.MethodGet:
			if has("tagging") {
				return "GetObjectTagging"
			}
			return "GetObject"
		case http.MethodHead:
			return "HeadObject"
		}
	}
	return ""
}

// s3Mutations names the state-changing requests the lab refuses.
func s3Mutation(method string, t s3Target, q url.Values) string {
	switch method {
	case http.MethodPut:
		if t.key == "" {
			if len(q) == 0 {
				return "CreateBucket"
			}
			if _, ok := q["object-lock"]; ok {
				return "PutObjectLockConfiguration"
			}
			for k := range q {
				return "PutBucket" + strings.ToUpper(k[:1]) + k[1:]
			}
		}
		if _, ok := q["tagging"]; ok {
			return "PutObjectTagging"
		}
		return "PutObject"
	case http.MethodDelete:
		if t.key == "" {
			return "DeleteBucket"
		}
		return "DeleteObject"
	case http.MethodPost:
		if _, ok := q["delete"]; ok {
			return "DeleteObjects"
		}
		return "PostObject"
	}
	return method
}

var s3Handlers = map[string]func(*call, *Bucket, s3Target) (*response, error){
	"HeadBucket":                 func(c *call, b *Bucket, _ s3Target) (*response, error) { return c.s3ok("application/xml", nil), nil },
	"GetBucketLocation":          s3Location,
	"GetBucketVersioning":        s3Versioning,
	"GetBucketPolicy":            s3Policy,
	"GetBucketEncryption":        s3Encryption,
	"GetPublicAccessBlock":       s3PublicAccessBlock,
	"GetObjectLockConfiguration": s3ObjectLock,
	"GetBucketTagging":           s3Tagging,
	"ListObjectVersions":         s3ListVersions,
	"ListObjectsV2":              s3ListV2,
	"ListObjects":                s3ListV2,
	"GetObject":                  s3GetObject,
	"HeadObject":                 s3GetObject,
	"GetObjectTagging":           s3ObjectTagging,
}

func routeS3(c *call) (operation, bool) {
	t := c.s3Addressed()
	q := c.r.URL.Query()
	c.op = s3Op(c.r.Method, t, q)
	if c.op == "ListBuckets" {
		return operation{handler: s3ListBuckets}, true
	}
	h, ok := s3Handlers[c.op]
	if !ok {
		if c.r.Method == http.MethodGet || c.r.Method == http.MethodHead {
			c.op = c.r.Method + " " + c.r.URL.Path
			return operation{}, false
		}
		c.op = s3Mutation(c.r.Method, t, q)
		return refused, true
	}
	return operation{handler: func(c *call) (*response, error) {
		b, err := c.ownBucket(t.bucket)
		if err != nil {
			return nil, err
		}
		return h(c, b, t)
	}}, true
}

// bucket finds a bucket in any account.
func (s *Scenario) bucket(name string) *Bucket {
	for _, a := range s.AccountList {
		for _, b := range a.Buckets {
			if b.Name == name {
				return b
			}
		}
	}
	return nil
}

// ownBucket resolves a bucket of the caller's account in the request's
// region. Other accounts' buckets are denied; a bucket of another region
// answers with a redirect naming its region, as S3 does.
func (c *call) ownBucket(name string) (*Bucket, error) {
	acct := c.srv.sc.Account(c.account)
	for _, b := range acct.Buckets {
		if b.Name != name {
			continue
		}
		if b.Region != c.region && c.op != "GetBucketLocation" {
			e := newAPIError(http.StatusMovedPermanently, "PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.")
			e.header = http.Header{"X-Amz-Bucket-Region": {b.Region}}
			return nil, e
		}
		return b, nil
	}
	if c.srv.sc.bucket(name) != nil {
		return nil, newAPIError(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	return nil, newAPIError(http.StatusNotFound, "NoSuchBucket", "The specified bucket does not exist")
}

// s3Time is the timestamp format of S3 XML documents.
func s3Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type s3Owner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func s3ListBuckets(c *call) (*response, error) {
	type bucket struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	out := struct {
		XMLName xml.Name `xml:"ListAllMyBucketsResult"`
		Xmlns   string   `xml:"xmlns,attr"`
		Owner   s3Owner  `xml:"Owner"`
		Buckets []bucket `xml:"Buckets>Bucket"`
	}{Xmlns: s3NS, Owner: s3Owner{ID: canonicalID(c.account)}}
	for _, b := range c.srv.sc.Account(c.account).Buckets {
		out.Buckets = append(out.Buckets, bucket{b.Name, s3Time(b.CreationDate), b.Region})
	}
	return c.xmlDoc(out)
}

func s3Location(c *call, b *Bucket, _ s3Target) (*response, error) {
	loc := b.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return c.xmlDoc(struct {
		XMLName xml.Name `xml:"LocationConstraint"`
		Xmlns   string   `xml:"xmlns,attr"`
		Value   string   `xml:",chardata"`
	}{Xmlns: s3NS, Value: loc})
}

func s3Versioning(c *call, b *Bucket, _ s3Target) (*response, error) {
	return c.xmlDoc(struct {
		XMLName xml.Name `xml:"VersioningConfiguration"`
		Xmlns   string   `xml:"xmlns,attr"`
		Status  string   `xml:"Status,omitempty"`
	}{Xmlns: s3NS, Status: b.Versioning})
}

func s3Policy(c *call, b *Bucket, _ s3Target) (*response, error) {
	if b.Policy == "" {
		return nil, newAPIError(http.StatusNotFound, "NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return c.s3ok("application/json", []byte(b.Policy)), nil
}

func s3Encryption(c *call, b *Bucket, _ s3Target) (*response, error) {
	type def struct {
		SSEAlgorithm   string `xml:"SSEAlgorithm"`
		KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
	}
	type rule struct {
		Default          def  `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool `xml:"BucketKeyEnabled"`
	}
	alg := b.Encryption
	switch alg {
	case "":
		alg = "AES256" // S3 encrypts every bucket by default
	case "none":
		return nil, newAPIError(http.StatusNotFound, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found")
	}
	return c.xmlDoc(struct {
		XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
		Xmlns   string   `xml:"xmlns,attr"`
		Rule    rule     `xml:"Rule"`
	}{Xmlns: s3NS, Rule: rule{Default: def{alg, b.KMSKeyID}, BucketKeyEnabled: alg == "aws:kms"}})
}

func s3PublicAccessBlock(c *call, b *Bucket, _ s3Target) (*response, error) {
	if !b.PublicAccess {
		return nil, newAPIError(http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found")
	}
	return c.xmlDoc(struct {
		XMLName               xml.Name `xml:"PublicAccessBlockConfiguration"`
		Xmlns                 string   `xml:"xmlns,attr"`
		BlockPublicAcls       bool     `xml:"BlockPublicAcls"`
		IgnorePublicAcls      bool     `xml:"IgnorePublicAcls"`
		BlockPublicPolicy     bool     `xml:"BlockPublicPolicy"`
		RestrictPublicBuckets bool     `xml:"RestrictPublicBuckets"`
	}{Xmlns: s3NS, BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true})
}

func s3ObjectLock(c *call, b *Bucket, _ s3Target) (*response, error) {
	if b.ObjectLock == nil {
		return nil, newAPIError(http.StatusNotFound, "ObjectLockConfigurationNotFoundError", "Object Lock configuration does not exist for this bucket")
	}
	type retention struct {
		Mode  string `xml:"Mode"`
		Days  int    `xml:"Days,omitempty"`
		Years int    `xml:"Years,omitempty"`
	}
	type rule struct {
		DefaultRetention retention `xml:"DefaultRetention"`
	}
	out := struct {
		XMLName           xml.Name `xml:"ObjectLockConfiguration"`
		Xmlns             string   `xml:"xmlns,attr"`
		ObjectLockEnabled string   `xml:"ObjectLockEnabled"`
		Rule              *rule    `xml:"Rule,omitempty"`
	}{Xmlns: s3NS, ObjectLockEnabled: "Enabled"}
	if l := b.ObjectLock; l.Mode != "" {
		out.Rule = &rule{retention{l.Mode, l.Days, l.Years}}
	}
	return c.xmlDoc(out)
}

type s3Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func tagSet(m map[string]string) []s3Tag {
	var out []s3Tag
	for k, v := range m {
		out = append(out, s3Tag{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func s3Tagging(c *call, b *Bucket, _ s3Target) (*response, error) {
	if len(b.Tags) == 0 {
		return nil, newAPIError(http.StatusNotFound, "NoSuchTagSet", "The TagSet does not exist")
	}
	return c.xmlDoc(struct {
		XMLName xml.Name `xml:"Tagging"`
		Xmlns   string   `xml:"xmlns,attr"`
		Tags    []s3Tag  `xml:"TagSet>Tag"`
	}{Xmlns: s3NS, Tags: tagSet(b.Tags)})
}

func s3ObjectTagging(c *call, b *Bucket, t s3Target) (*response, error) {
	if _, err := c.objectVersion(b, t.key); err != nil {
		return nil, err
	}
	return c.xmlDoc(struct {
		XMLName xml.Name `xml:"Tagging"`
		Xmlns   string   `xml:"xmlns,attr"`
		Tags    []s3Tag  `xml:"TagSet>Tag"`
	}{Xmlns: s3NS})
}

// maxKeys reads max-keys (default and cap 1000).
func (c *call) maxKeys() (int, error) {
	v := c.query("max-keys")
	if v == "" {
		return 1000, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, newAPIError(http.StatusBadRequest, "InvalidArgument", "Provided max-keys not an integer or within integer range")
	}
	return min(n, 1000), nil
}

// versionsNewestFirst lists a bucket's versions sorted by key, newest first
// within a key, as ListObjectVersions returns them.
func versionsNewestFirst(s *Scenario, b *Bucket, prefix string) []*ObjectVersion {
	objs := b.objectsUnder(s, prefix)
	out := make([]*ObjectVersion, 0, len(objs))
	for i := len(objs) - 1; i >= 0; i-- {
		out = append(out, objs[i])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

type s3Version struct {
	Key          string  `xml:"Key"`
	VersionID    string  `xml:"VersionId"`
	IsLatest     bool    `xml:"IsLatest"`
	LastModified string  `xml:"LastModified"`
	ETag         string  `xml:"ETag,omitempty"`
	Size         *int    `xml:"Size,omitempty"`
	StorageClass string  `xml:"StorageClass,omitempty"`
	Owner        s3Owner `xml:"Owner"`
}

// s3VersionsResult is a page of ListObjectVersions.
type s3VersionsResult struct {
	XMLName             xml.Name   `xml:"ListVersionsResult"`
	Xmlns               string     `xml:"xmlns,attr"`
	Name                string     `xml:"Name"`
	Prefix              string     `xml:"Prefix"`
	KeyMarker           string     `xml:"KeyMarker"`
	VersionIDMarker     string     `xml:"VersionIdMarker"`
	NextKeyMarker       string     `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string     `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int        `xml:"MaxKeys"`
	IsTruncated         bool       `xml:"IsTruncated"`
	Entries             []xmlEntry `xml:",any"`
}

func s3ListVersions(c *call, b *Bucket, _ s3Target) (*response, error) {
	max, err := c.maxKeys()
	if err != nil {
		return nil, err
	}
	prefix, keyMarker, vidMarker := c.query("prefix"), c.query("key-marker"), c.query("version-id-marker")
	if b.corpus != nil {
		return c.xmlDoc(corpusVersions(c, b, prefix, keyMarker, vidMarker, max))
	}
	all := versionsNewestFirst(c.srv.sc, b, prefix)
	start := 0
	if keyMarker != "" {
		start = len(all)
		for i, o := range all {
			if o.Key > keyMarker {
				start = i
				break
			}
			if o.Key == keyMarker && vidMarker != "" && o.VersionID == vidMarker {
				start = i + 1
				break
			}
		}
	}
	out := s3VersionsResult{Xmlns: s3NS, Name: b.Name, Prefix: prefix, KeyMarker: keyMarker, VersionIDMarker: vidMarker, MaxKeys: max}
	owner := s3Owner{ID: canonicalID(c.account)}
	n := 0
	for i := start; i < len(all); i++ {
		o := all[i]
		if !strings.HasPrefix(o.Key, prefix) {
			continue
		}
		if n == max {
			out.IsTruncated = true
			last := out.Entries[len(out.Entries)-1].v
			out.NextKeyMarker, out.NextVersionIDMarker = last.Key, last.VersionID
			break
		}
		v := s3Version{Key: o.Key, VersionID: o.VersionID, IsLatest: o.IsLatest, LastModified: s3Time(o.LastModified), Owner: owner}
		name := "DeleteMarker"
		if !o.DeleteMarker {
			name = "Version"
			size := len(o.content())
			v.ETag, v.Size, v.StorageClass = o.ETag, &size, o.StorageClass
		}
		out.Entries = append(out.Entries, xmlEntry{XMLName: xml.Name{Local: name}, v: v})
		n++
	}
	return c.xmlDoc(out)
}

// xmlEntry marshals a version as <Version> or <DeleteMarker>, keeping the
// order of the listing.
type xmlEntry struct {
	XMLName xml.Name
	v       s3Version
}

func (e xmlEntry) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	return enc.EncodeElement(e.v, xml.StartElement{Name: e.XMLName})
}

func s3ListV2(c *call, b *Bucket, _ s3Target) (*response, error) {
	max, err := c.maxKeys()
	if err != nil {
		return nil, err
	}
	prefix, delim := c.query("prefix"), c.query("delimiter")
	after := c.query("start-after")
	if tok := c.query("continuation-token"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return nil, newAPIError(http.StatusBadRequest, "InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(raw)
	}
	if m := c.query("marker"); m != "" {
		after = m
	}
	type content struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int    `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
	}
	type prefixEntry struct {
		Prefix string `xml:"Prefix"`
	}
	out := struct {
		XMLName               xml.Name      `xml:"ListBucketResult"`
		Xmlns                 string        `xml:"xmlns,attr"`
		Name                  string        `xml:"Name"`
		Prefix                string        `xml:"Prefix"`
		Delimiter             string        `xml:"Delimiter,omitempty"`
		MaxKeys               int           `xml:"MaxKeys"`
		KeyCount              int           `xml:"KeyCount"`
		IsTruncated           bool          `xml:"IsTruncated"`
		ContinuationToken     string        `xml:"ContinuationToken,omitempty"`
		NextContinuationToken string        `xml:"NextContinuationToken,omitempty"`
		NextMarker            string        `xml:"NextMarker,omitempty"`
		StartAfter            string        `xml:"StartAfter,omitempty"`
		Contents              []content     `xml:"Contents"`
		CommonPrefixes        []prefixEntry `xml:"CommonPrefixes"`
	}{Xmlns: s3NS, Name: b.Name, Prefix: prefix, Delimiter: delim, MaxKeys: max,
		ContinuationToken: c.query("continuation-token"), StartAfter: c.query("start-after")}
	var keys []string
	current := map[string]*ObjectVersion{}
	for _, o := range b.objectsUnder(c.srv.sc, prefix) {
		if o.IsLatest && !o.DeleteMarker && strings.HasPrefix(o.Key, prefix) && o.Key > after {
			keys = append(keys, o.Key)
			current[o.Key] = o
		}
	}
	if b.corpus != nil {
		keys = b.corpus.latest(keys, current, prefix, after, delim == "", max)
	}
	sort.Strings(keys)
	seenPrefix := map[string]bool{}
	last := ""
	for _, k := range keys {
		if out.KeyCount == max {
			out.IsTruncated = true
			if c.op == "ListObjects" {
				out.NextMarker = last
			} else {
				out.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(last))
			}
			break
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				p := k[:len(prefix)+i+len(delim)]
				if !seenPrefix[p] {
					seenPrefix[p] = true
					out.CommonPrefixes = append(out.CommonPrefixes, prefixEntry{p})
					out.KeyCount++
				}
				last = k
				continue
			}
		}
		o := current[k]
		out.Contents = append(out.Contents, content{k, s3Time(o.LastModified), o.ETag, b.size(o), o.StorageClass})
		out.KeyCount++
		last = k
	}
	return c.xmlDoc(out)
}

// objectVersion resolves a key, and the versionId query if given.
func (c *call) objectVersion(b *Bucket, key string) (*ObjectVersion, error) {
	vid := c.query("versionId")
	var found *ObjectVersion
	if b.corpus != nil {
		if i, ok := b.corpus.index(key); ok && (vid == "" || vid == b.corpus.versionID(i)) {
			found = b.corpus.version(i)
		}
	}
	for _, o := range b.objectsUnder(c.srv.sc, key) {
		if o.Key == key && ((vid == "" && o.IsLatest) || (vid != "" && o.VersionID == vid)) {
			found = o
		}
	}
	switch {
	case found == nil && vid != "":
		return nil, newAPIError(http.StatusNotFound, "NoSuchVersion", "The specified version does not exist.")
	case found == nil:
		return nil, newAPIError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	case found.DeleteMarker && vid != "":
		e := newAPIError(http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
		e.header = http.Header{"X-Amz-Delete-Marker": {"true"}, "X-Amz-Version-Id": {found.VersionID}}
		return nil, e
	case found.DeleteMarker:
		e := newAPIError(http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
		e.header = http.Header{"X-Amz-Delete-Marker": {"true"}, "X-Amz-Version-Id": {found.VersionID}}
		return nil, e
	}
	return found, nil
}

// s3GetObject serves GetObject and HeadObject, with a single byte range
// and, when the client asks, the object's SHA-256 checksum.
func s3GetObject(c *call, b *Bucket, t s3Target) (*response, error) {
	o, err := c.objectVersion(b, t.key)
	if err != nil {
		return nil, err
	}
	if b.corpus != nil {
		return s3GetCorpusObject(c, b, o)
	}
	body := o.content()
	r := c.s3ok("", body)
	s3ObjectHeaders(r.header, b, o)
	if rng := c.r.Header.Get("Range"); rng != "" {
		from, to, ok := parseRange(rng, len(body))
		if !ok {
			e := newAPIError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
			return nil, e
		}
		r.body = body[from : to+1]
		r.status = http.StatusPartialContent
		r.header.Set("Content-Range", "bytes "+strconv.Itoa(from)+"-"+strconv.Itoa(to)+"/"+strconv.Itoa(len(body)))
	} else if strings.EqualFold(c.r.Header.Get("x-amz-checksum-mode"), "ENABLED") {
		sum := sha256.Sum256(body)
		r.header.Set("x-amz-checksum-sha256", base64.StdEncoding.EncodeToString(sum[:]))
		r.header.Set("x-amz-checksum-type", "FULL_OBJECT")
	}
	if c.r.Method == http.MethodHead {
		r.header.Set("Content-Length", strconv.Itoa(len(r.body)))
		r.body = nil
		r.head = true
	}
	return r, nil
}

// s3ObjectHeaders sets what GetObject and HeadObject say of a version.
func s3ObjectHeaders(h http.Header, b *Bucket, o *ObjectVersion) {
	ct := o.ContentType
	if ct == "" {
		ct = "binary/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("ETag", o.ETag)
	h.Set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	if b.Versioning != "" {
		h.Set("x-amz-version-id", o.VersionID)
	}
	switch b.Encryption {
	case "aws:kms":
		h.Set("x-amz-server-side-encryption", "aws:kms")
		h.Set("x-amz-server-side-encryption-aws-kms-key-id", b.KMSKeyID)
	case "none":
	default:
		h.Set("x-amz-server-side-encryption", "AES256")
	}
	if o.StorageClass != "STANDARD" {
		h.Set("x-amz-storage-class", o.StorageClass)
	}
	for k, v := range o.Metadata {
		h.Set("x-amz-meta-"+k, v)
	}
}

// parseRange reads "bytes=from-to", "bytes=from-" or "bytes=-suffix".
func parseRange(h string, size int) (int, int, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, ok := strings.Cut(spec, "-")
	if !ok {
		return 0, 0, false
	}
	if a == "" {
		n, err := strconv.Atoi(b)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, size > 0
	}
	from, err := strconv.Atoi(a)
	if err != nil || from >= size {
		return 0, 0, false
	}
	to := size - 1
	if b != "" {
		if to, err = strconv.Atoi(b); err != nil || to < from {
			return 0, 0, false
		}
		to = min(to, size-1)
	}
	return from, to, true
}
