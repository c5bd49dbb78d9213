package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"

	"github.com/custodyhq/custody/collect/digest"
	"github.com/custodyhq/custody/collect/invlogs"
)

// Kind is what a file on disk holds, told from its content.
type Kind string

const (
	KindUnknown        Kind = "unknown"
	KindTrailLog       Kind = "cloudtrail-log"    // {"Records":[…]}
	KindDigest         Kind = "cloudtrail-digest" // a CloudTrail digest file
	KindLookup         Kind = "cloudtrail-lookup" // what `aws cloudtrail lookup-events` prints
	KindInvocationLog  Kind = "bedrock-invocation-log"
	KindDigestSig      Kind = "digest-signature" // the x-amz-meta-signature of a digest, beside it
	KindHeadObject     Kind = "s3-head-object"   // `aws s3api head-object` output beside a digest
	KindPublicKeys     Kind = "cloudtrail-public-keys"
	sniffBytes              = 1 << 20
	maxWholeDigestSize      = 16 << 20
)

// Detect tells what a file holds from its first bytes, decompressed when
// they are gzip. It never trusts the name.
func Detect(r io.Reader) (Kind, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var in io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return KindUnknown, nil
		}
		in = zr
	}
	head, err := io.ReadAll(io.LimitReader(in, sniffBytes))
	if err != nil && len(head) == 0 {
		return KindUnknown, nil
	}
	whole := len(head) < sniffBytes && err == nil
	return sniff(head, whole), nil
}

func sniff(head []byte, whole bool) Kind {
	b := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	if len(b) == 0 {
		return KindUnknown
	}
	if isHexSignature(b) {
		return KindDigestSig
	}
	switch b[0] {
	case '[':
		return KindUnknown
	case '{':
	default:
		return KindUnknown
	}
	// JSON lines of invocation records: the first line is a whole record.
	if line, _, ok := bytes.Cut(b, []byte("\n")); ok || whole {
		var rec struct {
			SchemaType string `json:"schemaType"`
		}
		if json.Unmarshal(bytes.TrimSpace(line), &rec) == nil && rec.SchemaType == invlogs.SchemaType {
			return KindInvocationLog
		}
	}
	switch firstKey(b) {
	case "Records":
		return KindTrailLog
	case "Events", "NextToken":
		return KindLookup
	case "PublicKeyList":
		return KindPublicKeys
	}
	if whole {
		if digest.IsDigest(b) {
			return KindDigest
		}
		var head struct {
			Metadata map[string]string `json:"Metadata"`
		}
		if json.Unmarshal(b, &head) == nil && head.Metadata["signature"] != "" {
			return KindHeadObject
		}
	}
	return KindUnknown
}

// firstKey is the first key of the top-level JSON object b begins.
func firstKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	k, _ := t.(string)
	return k
}

func isHexSignature(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 64 || len(b)%2 != 0 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
