package lab

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// corpusVersions is a page of ListObjectVersions over a corpus bucket,
// computed from the markers alone.
func corpusVersions(c *call, b *Bucket, prefix, keyMarker, vidMarker string, limit int) s3VersionsResult {
	k := b.corpus
	out := s3VersionsResult{Xmlns: s3NS, Name: b.Name, Prefix: prefix, KeyMarker: keyMarker, VersionIDMarker: vidMarker, MaxKeys: limit}
	owner := s3Owner{ID: canonicalID(c.account)}
	// Each key has one version, so a version-id marker of a key only says
	// that key was listed.
	i := max(k.first(prefix, true), k.first(keyMarker, false))
	for ; i < k.n && strings.HasPrefix(k.key(i), prefix); i++ {
		if len(out.Entries) == limit {
			last := out.Entries[len(out.Entries)-1].v
			out.IsTruncated, out.NextKeyMarker, out.NextVersionIDMarker = true, last.Key, last.VersionID
			break
		}
		o := k.version(i)
		size := int(k.size(i))
		out.Entries = append(out.Entries, xmlEntry{XMLName: xml.Name{Local: "Version"}, v: s3Version{
			Key: o.Key, VersionID: o.VersionID, IsLatest: true, LastModified: s3Time(o.LastModified),
			ETag: o.ETag, Size: &size, StorageClass: o.StorageClass, Owner: owner,
		}})
	}
	return out
}

// latest adds the corpus's keys under prefix after after to a listing of
// current objects; with few set, only the first limit+1, as many as the
// page needs to know it is truncated.
func (k *kbCorpus) latest(keys []string, current map[string]*ObjectVersion, prefix, after string, few bool, limit int) []string {
	for i := max(k.first(prefix, true), k.first(after, false)); i < k.n; i++ {
		key := k.key(i)
		if !strings.HasPrefix(key, prefix) || (few && len(keys) > limit) {
			break
		}
		keys = append(keys, key)
		current[key] = k.version(i)
	}
	return keys
}

// s3GetCorpusObject serves GetObject and HeadObject of a corpus document,
// its content generated as it is sent. Corpus documents carry no
// checksum, as objects uploaded without one do not.
func s3GetCorpusObject(c *call, b *Bucket, o *ObjectVersion) (*response, error) {
	i, _ := b.corpus.index(o.Key)
	size := b.corpus.size(i)
	r := c.s3ok("", nil)
	s3ObjectHeaders(r.header, b, o)
	from, to := int64(0), size-1
	if rng := c.r.Header.Get("Range"); rng != "" {
		f, t, ok := parseRange(rng, int(size))
		if !ok {
			return nil, newAPIError(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable")
		}
		from, to = int64(f), int64(t)
		r.status = http.StatusPartialContent
		r.header.Set("Content-Range", "bytes "+strconv.FormatInt(from, 10)+"-"+strconv.FormatInt(to, 10)+"/"+strconv.FormatInt(size, 10))
	}
	if c.r.Method == http.MethodHead {
		r.header.Set("Content-Length", strconv.FormatInt(to-from+1, 10))
		r.head = true
		return r, nil
	}
	r.stream, r.size = b.corpus.content(i, from, to), to-from+1
	return r, nil
}

// size is the length of a version's content.
func (b *Bucket) size(o *ObjectVersion) int {
	if b.corpus != nil {
		if i, ok := b.corpus.index(o.Key); ok {
			return int(b.corpus.size(i))
		}
	}
	return len(o.content())
}
