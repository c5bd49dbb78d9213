package trail

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeRecord reads a CloudTrail record into r in one pass over s, as
// json.Unmarshal(s, r) would into the struct encoding/json sees in record
// (see record_test.go, which checks the two agree): the same syntax
// errors and type errors fail it (false), keys match field names exactly
// or case-insensitively, the last of duplicate keys wins, strings are
// unescaped with invalid UTF-8 and lone surrogates replaced by U+FFFD, and
// the values kept raw (requestParameters, ...) are the record's own bytes.
// Strings that need no unescaping, and raw values, are substrings of s:
// nothing is copied.
func decodeRecord(s string, r *record) bool {
	d := decoder{s: s}
	d.ws()
	switch {
	case d.i < len(s) && s[d.i] == '{':
		if !d.object(levelRecord, r) {
			return false
		}
	case strings.HasPrefix(s[d.i:], "null"):
		d.i += 4
	default:
		return false // a syntax error or not an object: a type error
	}
	d.ws()
	return d.i == len(s)
}

// maxDepth is encoding/json's bound on nesting.
const maxDepth = 10000

type decoder struct {
	s     string
	i     int
	depth int
}

// The objects decodeRecord reads into, and their fields.
const (
	levelRecord = iota
	levelIdentity
	levelSessionContext
	levelSessionIssuer
)

const (
	fNone = iota
	fEventVersion
	fUserIdentity
	fEventTime
	fEventSource
	fEventName
	fAWSRegion
	fSourceIPAddress
	fUserAgent
	fErrorCode
	fErrorMessage
	fRequestParameters
	fResponseElements
	fAdditionalEventData
	fRequestID
	fEventID
	fReadOnly
	fEventType
	fEventCategory
	fRecipientAccountID
	fType
	fPrincipalID
	fARN
	fAccessKeyID
	fSessionContext
	fSessionIssuer
)

// fieldNames are each level's JSON names, as record's tags give them.
var fieldNames = [...][]struct {
	name string
	f    int
}{
	levelRecord: {{"eventVersion", fEventVersion}, {"userIdentity", fUserIdentity}, {"eventTime", fEventTime}, {"eventSource", fEventSource},
		{"eventName", fEventName}, {"awsRegion", fAWSRegion}, {"sourceIPAddress", fSourceIPAddress}, {"userAgent", fUserAgent},
		{"errorCode", fErrorCode}, {"errorMessage", fErrorMessage}, {"requestParameters", fRequestParameters},
		{"responseElements", fResponseElements}, {"additionalEventData", fAdditionalEventData}, {"requestID", fRequestID},
		{"eventID", fEventID}, {"readOnly", fReadOnly}, {"eventType", fEventType}, {"eventCategory", fEventCategory},
		{"recipientAccountId", fRecipientAccountID}},
	levelIdentity:       {{"type", fType}, {"principalId", fPrincipalID}, {"arn", fARN}, {"accessKeyId", fAccessKeyID}, {"sessionContext", fSessionContext}},
	levelSessionContext: {{"sessionIssuer", fSessionIssuer}},
	levelSessionIssuer:  {{"arn", fARN}},
}

// field finds the field a key names at a level: exactly, or as
// encoding/json does, folding case.
func field(level int, key string) int {
	names := fieldNames[level]
	for _, n := range names {
		if n.name == key {
			return n.f
		}
	}
	ascii := true
	for i := 0; i < len(key); i++ {
		if key[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	for _, n := range names {
		if (!ascii || len(n.name) == len(key)) && strings.EqualFold(n.name, key) {
			return n.f
		}
	}
	return fNone
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// object reads an object whose '{' is at d.i into the fields of its level
// (r for a record; r.UserIdentity... for the nested levels).
func (d *decoder) object(level int, r *record) bool {
	more, ok := d.open('}')
	for more && ok {
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			return false
		}
		var key string
		if key, ok = d.str(); !ok || !d.colon() || !d.member(level, field(level, key), r) {
			return false
		}
		more, ok = d.next('}')
	}
	return ok
}

// open enters the object or array whose opening is at d.i: more is false
// when it closes at once.
func (d *decoder) open(closer byte) (more, ok bool) {
	if d.depth++; d.depth > maxDepth {
		return false, false
	}
	d.i++
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == closer {
		d.i++
		d.depth--
		return false, true
	}
	return true, true
}

// colon passes over the ':' after a key.
func (d *decoder) colon() bool {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != ':' {
		return false
	}
	d.i++
	d.ws()
	return true
}

// next passes over what follows a member or element: ',' (more) or the
// closer.
func (d *decoder) next(closer byte) (more, ok bool) {
	d.ws()
	if d.i >= len(d.s) {
		return false, false
	}
	switch d.s[d.i] {
	case ',':
		d.i++
		d.ws()
		return true, true
	case closer:
		d.i++
		d.depth--
		return false, true
	}
	return false, false
}

// member reads the value at d.i into field f.
func (d *decoder) member(level, f int, r *record) bool {
	switch f {
	case fNone:
		_, ok := d.skip()
		return ok
	case fRequestParameters, fResponseElements, fAdditionalEventData:
		v, ok := d.skip()
		switch f {
		case fRequestParameters:
			r.RequestParameters = v
		case fResponseElements:
			r.ResponseElements = v
		default:
			r.AdditionalEventData = v
		}
		return ok
	case fUserIdentity, fSessionContext, fSessionIssuer:
		if d.null() {
			return true
		}
		if d.i >= len(d.s) || d.s[d.i] != '{' {
			return false // a type error, or a syntax error
		}
		next := levelSessionIssuer
		switch f {
		case fUserIdentity:
			next = levelIdentity
		case fSessionContext:
			next = levelSessionContext
		}
		return d.object(next, r)
	case fReadOnly:
		switch {
		case d.null():
			r.ReadOnly = nil
		case strings.HasPrefix(d.s[d.i:], "true"):
			d.i += 4
			t := true
			r.ReadOnly = &t
		case strings.HasPrefix(d.s[d.i:], "false"):
			d.i += 5
			f := false
			r.ReadOnly = &f
		default:
			return false
		}
		return true
	case fErrorCode, fErrorMessage:
		p := &r.ErrorCode
		if f == fErrorMessage {
			p = &r.ErrorMessage
		}
		if d.null() {
			*p = nil
			return true
		}
		v, ok := d.strValue()
		if ok {
			*p = &v
		}
		return ok
	}
	// A string field: null leaves it as it was.
	if d.null() {
		return true
	}
	v, ok := d.strValue()
	if !ok {
		return false
	}
	*r.stringField(level, f) = v
	return true
}

// stringField is the string field f of a level.
func (r *record) stringField(level, f int) *string {
	u := &r.UserIdentity
	switch f {
	case fEventVersion:
		return &r.EventVersion
	case fEventTime:
		return &r.EventTime
	case fEventSource:
		return &r.EventSource
	case fEventName:
		return &r.EventName
	case fAWSRegion:
		return &r.AWSRegion
	case fSourceIPAddress:
		return &r.SourceIPAddress
	case fUserAgent:
		return &r.UserAgent
	case fRequestID:
		return &r.RequestID
	case fEventID:
		return &r.EventID
	case fEventType:
		return &r.EventType
	case fEventCategory:
		return &r.EventCategory
	case fRecipientAccountID:
		return &r.RecipientAccountID
	case fType:
		return &u.Type
	case fPrincipalID:
		return &u.PrincipalID
	case fAccessKeyID:
		return &u.AccessKeyID
	case fARN:
		if level == levelSessionIssuer {
			return &u.SessionContext.SessionIssuer.ARN
		}
		return &u.ARN
	}
	panic("trail: no string field")
}

// null consumes a null literal.
func (d *decoder) null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// strValue reads a value that must be a string.
func (d *decoder) strValue() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	return d.str()
}

// str reads the string whose '"' is at d.i, unescaped.
func (d *decoder) str() (string, bool) {
	start := d.i + 1
	for i := start; i < len(d.s); i++ {
		switch c := d.s[i]; {
		case c == '"':
			d.i = i + 1
			return d.s[start:i], true
		case c == '\\' || c < 0x20 || c >= utf8.RuneSelf:
			return d.slowStr(start)
		}
	}
	return "", false
}

// slowStr unescapes a string with escapes or bytes past ASCII, as
// encoding/json does.
func (d *decoder) slowStr(start int) (string, bool) {
	s := d.s
	b := make([]byte, 0, 64)
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return string(b), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if i+1 >= len(s) {
				return "", false
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b = append(b, e)
				i += 2
			case 'b':
				b, i = append(b, '\b'), i+2
			case 'f':
				b, i = append(b, '\f'), i+2
			case 'n':
				b, i = append(b, '\n'), i+2
			case 'r':
				b, i = append(b, '\r'), i+2
			case 't':
				b, i = append(b, '\t'), i+2
			case 'u':
				r := hex4(s, i+2)
				if r < 0 {
					return "", false
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := hex4(s, i+2); r2 >= 0 {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b, i = utf8.AppendRune(b, dec), i+6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", false
			}
		case c < utf8.RuneSelf:
			b, i = append(b, c), i+1
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
		}
	}
	return "", false
}

// hex4 reads the four hex digits of a \u escape at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// skip checks the value at d.i is valid JSON and returns its text.
func (d *decoder) skip() (string, bool) {
	start := d.i
	if !d.value() {
		return "", false
	}
	return d.s[start:d.i], true
}

func (d *decoder) value() bool {
	if d.i >= len(d.s) {
		return false
	}
	switch c := d.s[d.i]; {
	case c == '"':
		return d.skipStr()
	case c == '{' || c == '[':
		return d.container()
	case c == 't':
		return d.lit("true")
	case c == 'f':
		return d.lit("false")
	case c == 'n':
		return d.lit("null")
	case c == '-' || ('0' <= c && c <= '9'):
		return d.number()
	}
	return false
}

func (d *decoder) lit(l string) bool {
	if strings.HasPrefix(d.s[d.i:], l) {
		d.i += len(l)
		return true
	}
	return false
}

// skipStr passes over a string, checking its escapes.
func (d *decoder) skipStr() bool {
	s := d.s
	i := d.i + 1
	for i < len(s) {
		j := strings.IndexAny(s[i:], "\"\\")
		if j < 0 {
			return false
		}
		for _, c := range []byte(s[i : i+j]) {
			if c < 0x20 {
				return false
			}
		}
		i += j
		if s[i] == '"' {
			d.i = i + 1
			return true
		}
		if i+1 >= len(s) {
			return false
		}
		switch s[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if hex4(s, i+2) < 0 {
				return false
			}
			i += 6
		default:
			return false
		}
	}
	return false
}

// container passes over an object or array.
func (d *decoder) container() bool {
	obj := d.s[d.i] == '{'
	closer := byte(']')
	if obj {
		closer = '}'
	}
	more, ok := d.open(closer)
	for more && ok {
		if obj && (d.i >= len(d.s) || d.s[d.i] != '"' || !d.skipStr() || !d.colon()) {
			return false
		}
		if !d.value() {
			return false
		}
		more, ok = d.next(closer)
	}
	return ok
}

// number passes over a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) number() bool {
	s, i := d.s, d.i
	if s[i] == '-' {
		i++
	}
	digits := func() bool {
		j := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i > j
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	d.i = i
	return true
}
