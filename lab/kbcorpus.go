package lab

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// kbCorpus is a bucket's synthetic contents: n documents of total bytes in
// all, one version each, whose listing, metadata and content are computed
// from (bucket, key, version) when asked for, so a corpus of any size costs
// no memory and no disk. Sizes vary around the mean and add up to total
// exactly; content is an AES-CTR keystream behind a PDF header, as
// incompressible as real PDFs, and seekable for byte ranges.
type kbCorpus struct {
	bucket   string
	prefix   string // every key is prefix + 7 digits + ".pdf"
	n        int
	total    int64
	modified time.Time
}

// kbCorpusHeader opens every document, as a PDF's header does.
const kbCorpusHeader = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

// key is the i-th key; keys sort as their indexes do.
func (k *kbCorpus) key(i int) string { return k.prefix + fmt.Sprintf("%07d", i) + ".pdf" }

// index is the index of a key of the corpus.
func (k *kbCorpus) index(key string) (int, bool) {
	rest, ok := strings.CutPrefix(key, k.prefix)
	digits, ok2 := strings.CutSuffix(rest, ".pdf")
	if !ok || !ok2 || len(digits) != 7 {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || i >= k.n || k.key(i) != key {
		return 0, false
	}
	return i, true
}

// seed is what every value of a document derives from.
func (k *kbCorpus) seed(i int, what string) [32]byte {
	return sha256.Sum256([]byte(what + "\x00" + k.bucket + "\x00" + k.key(i) + "\x00" + k.versionID(i)))
}

// versionID is the id of the document's only version.
func (k *kbCorpus) versionID(i int) string {
	sum := sha256.Sum256([]byte("version\x00" + k.bucket + "\x00" + k.key(i)))
	return hex.EncodeToString(sum[:16])
}

// boundary is where document i starts in the corpus laid end to end: the
// even split moved by up to 40% of the mean document, so sizes range from
// 20% to 180% of the mean and their sum is total.
func (k *kbCorpus) boundary(i int) int64 {
	even := int64(float64(k.total) * float64(i) / float64(k.n))
	if i == 0 || i == k.n {
		return even
	}
	sum := sha256.Sum256([]byte("size\x00" + k.bucket + "\x00" + strconv.Itoa(i)))
	u := float64(binary.BigEndian.Uint64(sum[:8])>>11)/(1<<53)*2 - 1 // [-1, 1)
	return even + int64(u*0.4*float64(k.total)/float64(k.n))
}

// size is the document's length in bytes.
func (k *kbCorpus) size(i int) int64 { return k.boundary(i+1) - k.boundary(i) }

// etag is an opaque ETag, as S3 gives objects under SSE-KMS: not the MD5
// of the content, so nothing needs to read it to answer a listing.
func (k *kbCorpus) etag(i int) string {
	s := k.seed(i, "etag")
	return `"` + hex.EncodeToString(s[:16]) + `"`
}

// version is the document's metadata, without content.
func (k *kbCorpus) version(i int) *ObjectVersion {
	return &ObjectVersion{
		Key: k.key(i), VersionID: k.versionID(i), IsLatest: true,
		LastModified: k.modified.Add(time.Duration(i%86400) * time.Second),
		ContentType:  "application/pdf", StorageClass: "STANDARD", ETag: k.etag(i),
	}
}

// first is the index of the first key after marker (inclusive when
// orEqual), or n.
func (k *kbCorpus) first(marker string, orEqual bool) int {
	return sort.Search(k.n, func(i int) bool {
		key := k.key(i)
		return key > marker || (orEqual && key == marker)
	})
}

// content streams bytes [from, to] of document i.
func (k *kbCorpus) content(i int, from, to int64) io.Reader {
	s := k.seed(i, "content")
	block, err := aes.NewCipher(s[:16])
	if err != nil {
		panic(err) // a 16-byte key is always valid
	}
	r := &corpusReader{block: block, off: from, end: to + 1}
	copy(r.iv[:8], s[16:24]) // the low half counts blocks from zero, so it never wraps
	return r
}

// corpusReader reads a document's bytes from off to end: the header, then
// the keystream of AES-CTR at the same offset.
type corpusReader struct {
	block    cipher.Block
	iv       [16]byte
	off, end int64
	ctr      cipher.Stream
	ctrAt    int64 // offset the stream is at; -1 when unset
}

func (r *corpusReader) Read(p []byte) (int, error) {
	if r.off >= r.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.end-r.off)]
	n := 0
	if r.off < int64(len(kbCorpusHeader)) {
		n = copy(p, kbCorpusHeader[r.off:])
		r.off += int64(n)
		p = p[n:]
	}
	if len(p) == 0 {
		return n, nil
	}
	if r.ctr == nil || r.ctrAt != r.off {
		iv := r.iv
		binary.BigEndian.PutUint64(iv[8:], binary.BigEndian.Uint64(iv[8:])+uint64(r.off/aes.BlockSize))
		r.ctr = cipher.NewCTR(r.block, iv[:])
		var skip [aes.BlockSize]byte
		r.ctr.XORKeyStream(skip[:r.off%aes.BlockSize], skip[:r.off%aes.BlockSize])
	}
	clear(p)
	r.ctr.XORKeyStream(p, p)
	r.off += int64(len(p))
	r.ctrAt = r.off
	return n + len(p), nil
}
