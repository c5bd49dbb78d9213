package digest

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// Result is the validation of one digest or log file.
type Result struct {
	Bucket, Key string
	Check       Check  // CheckNone when valid
	Detail      string // why, when not valid; a note when valid
	Digest      string // for a log file: the digest that lists it (bucket/key)
	Want, Got   string // hashes compared, hex
	NoDigest    bool   // a log file no digest lists
}

func (c Check) chain() bool {
	return c == CheckChainHash || c == CheckChainSig || c == CheckChainMissing
}

// Valid reports whether every check passed.
func (r Result) Valid() bool { return r.Check == CheckNone }

// Status is "valid", "invalid" or "no-digest", as recorded in bundles.
func (r Result) Status() string {
	switch {
	case r.Check == CheckNone && r.NoDigest:
		return "no-digest"
	case r.Check == CheckNone:
		return "valid"
	}
	return "invalid"
}

// Fetch reads a digest that a digest names as its previous one but that is
// not in the set being validated. found is false when it does not exist.
type Fetch func(bucket, key string) (d *Digest, found bool, err error)

// Set validates digests and the log files they list.
type Set struct {
	keys    Keys
	digests map[string]*Digest // bucket/key
	results map[string]Result  // digest bucket/key -> result
	byName  map[string][]listed
	byPath  map[string][]listed
}

type listed struct {
	lf     LogFile
	digest string
	valid  bool
}

// Validate checks every digest's signature and its link to the previous
// digest. fetch, when not nil, reads previous digests outside the set; when
// nil, a previous digest outside the set is a break of the chain only if
// an older digest of the same chain is in the set (it was removed), and
// otherwise the start of what was given.
func Validate(keys Keys, digests []*Digest, fetch Fetch) (*Set, error) {
	s := &Set{keys: keys, digests: map[string]*Digest{}, results: map[string]Result{}, byName: map[string][]listed{}, byPath: map[string][]listed{}}
	for _, d := range digests {
		s.digests[d.Bucket+"/"+d.Key] = d
	}
	for _, d := range digests {
		r, err := s.check(d, fetch)
		if err != nil {
			return nil, err
		}
		s.results[d.Bucket+"/"+d.Key] = r
		for _, lf := range d.File.LogFiles {
			// A digest whose own signature holds vouches for its log files
			// even when its link to the previous digest is broken: that is
			// reported on the digests.
			l := listed{lf: lf, digest: d.Bucket + "/" + d.Key, valid: r.Valid() || r.Check.chain()}
			s.byPath[lf.S3Bucket+"/"+lf.S3Object] = append(s.byPath[lf.S3Bucket+"/"+lf.S3Object], l)
			s.byName[path.Base(lf.S3Object)] = append(s.byName[path.Base(lf.S3Object)], l)
		}
	}
	return s, nil
}

func (s *Set) check(d *Digest, fetch Fetch) (Result, error) {
	r := Result{Bucket: d.Bucket, Key: d.Key}
	if c, err := d.VerifySignature(s.keys); err != nil {
		r.Check, r.Detail = c, err.Error()
		return r, nil
	}
	if d.File.PreviousDigestS3Object == nil || *d.File.PreviousDigestS3Object == "" {
		r.Detail = "first digest of its chain"
		return r, nil
	}
	pb, pk := deref(d.File.PreviousDigestS3Bucket), *d.File.PreviousDigestS3Object
	prev, ok := s.digests[pb+"/"+pk]
	if !ok && fetch != nil {
		p, found, err := fetch(pb, pk)
		if err != nil {
			return r, err
		}
		if !found {
			r.Check, r.Detail = CheckChainMissing, fmt.Sprintf("previous digest %s/%s does not exist", pb, pk)
			return r, nil
		}
		prev, ok = p, true
	}
	if !ok {
		if s.olderInChain(d) {
			r.Check, r.Detail = CheckChainMissing, fmt.Sprintf("previous digest %s/%s is missing between digests that were given", pb, pk)
		} else {
			r.Detail = fmt.Sprintf("previous digest %s/%s was not given: the chain is checked from here", pb, pk)
		}
		return r, nil
	}
	if want := deref(d.File.PreviousDigestHashValue); prev.SHA256 != want {
		r.Check, r.Want, r.Got = CheckChainHash, want, prev.SHA256
		r.Detail = fmt.Sprintf("previous digest %s/%s hashes to %s, this digest says %s", pb, pk, prev.SHA256, want)
		return r, nil
	}
	if want := deref(d.File.PreviousDigestSignature); prev.Signature != want {
		r.Check, r.Want, r.Got = CheckChainSig, want, prev.Signature
		r.Detail = fmt.Sprintf("previous digest %s/%s is signed %s, this digest says %s", pb, pk, prev.Signature, want)
	}
	return r, nil
}

// chainOf names a digest's chain: its directory's account and region, and
// the trail and home region its file name carries, without the time.
func chainOf(key string) string {
	dir, name := path.Split(key)
	// .../CloudTrail-Digest/<region>/YYYY/MM/DD/<acct>_CloudTrail-Digest_<region>_<trail>_<home>_<time>.json.gz
	if i := strings.Index(dir, "CloudTrail-Digest/"); i >= 0 {
		rest := dir[i+len("CloudTrail-Digest/"):]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			dir = dir[:i] + rest[:j]
		}
	}
	if j := strings.LastIndexByte(name, '_'); j >= 0 {
		name = name[:j]
	}
	return dir + "|" + name
}

func (s *Set) olderInChain(d *Digest) bool {
	c := chainOf(d.Key)
	for _, o := range s.digests {
		if o != d && chainOf(o.Key) == c && o.File.DigestEndTime < d.File.DigestEndTime {
			return true
		}
	}
	return false
}

// Digests returns the result of every digest, ordered by bucket and key.
func (s *Set) Digests() []Result {
	out := make([]Result, 0, len(s.results))
	for _, r := range s.results {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Bucket+"/"+out[i].Key < out[j].Bucket+"/"+out[j].Key })
	return out
}

// LogFile validates a log file read from bucket/key, whose uncompressed
// content hashes to sha256 (hex).
func (s *Set) LogFile(bucket, key, sha256 string) Result {
	return s.match(Result{Bucket: bucket, Key: key, Got: sha256}, s.byPath[bucket+"/"+key])
}

// LogFileByName validates a log file known only by its file name, as on
// disk: CloudTrail's log file names are unique.
func (s *Set) LogFileByName(name, sha256 string) Result {
	return s.match(Result{Key: name, Got: sha256}, s.byName[path.Base(name)])
}

func (s *Set) match(r Result, ls []listed) Result {
	if len(ls) == 0 {
		r.Detail, r.NoDigest = "no digest lists this file", true
		return r
	}
	var invalid *listed
	for i, l := range ls {
		if !l.valid {
			invalid = &ls[i]
			continue
		}
		r.Digest, r.Want = l.digest, l.lf.HashValue
		if l.lf.HashValue != r.Got {
			r.Check = CheckHash
			r.Detail = fmt.Sprintf("SHA-256 of the uncompressed file is %s, digest %s says %s", r.Got, l.digest, l.lf.HashValue)
		}
		return r
	}
	r.Digest, r.Want, r.Check = invalid.digest, invalid.lf.HashValue, CheckDigestInvalid
	r.Detail = "listed only by digest " + invalid.digest + ", which failed its own checks"
	return r
}

// Listed returns every log file the valid and invalid digests list, for
// finding the ones that are gone.
func (s *Set) Listed() []LogFile {
	var out []LogFile
	for _, ls := range s.byPath {
		out = append(out, ls[0].lf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].S3Bucket+"/"+out[i].S3Object < out[j].S3Bucket+"/"+out[j].S3Object })
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
