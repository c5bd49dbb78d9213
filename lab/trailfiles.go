package lab

import (
	"bytes"
	"compress/gzip"
	"crypto"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The lab's CloudTrail writes log files and signed digest files into each
// trail's bucket, as CloudTrail does: one log file per account, region and
// hour with events, and one digest per account, region and hour, chained by
// the previous digest's signature. They are derived from the scenario's
// events when the bucket is first read.

//go:embed testdata/cloudtrail-digest-key.pem
var digestKeyPEM []byte

// digestKey is the RSA key digests are signed with; ListPublicKeys serves
// its public half. It is fixed, so digests verify across runs.
var digestKey = sync.OnceValue(func() *rsa.PrivateKey {
	block, _ := pem.Decode(digestKeyPEM)
	if block == nil {
		panic("lab: digest key is not PEM")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic("lab: digest key: " + err.Error())
	}
	return k.(*rsa.PrivateKey)
})

// digestPublicKey is the DER (PKCS #1) public key and its fingerprint, as
// ListPublicKeys reports them.
func digestPublicKey() ([]byte, string) {
	der := x509.MarshalPKCS1PublicKey(&digestKey().PublicKey)
	sum := md5.Sum(der)
	return der, hex.EncodeToString(sum[:])
}

// trailSource is a trail whose files land in a bucket.
type trailSource struct {
	trail   *Trail
	home    string   // the trail's home region
	owner   string   // the account that owns the trail
	orgID   string   // set for organization trails: files are under AWSLogs/<org>/
	members []string // accounts whose events the trail records
}

// trailChain is the files one trail writes for one account and region:
// log files and the chain of digests over them. They are built when first
// needed, since signing a chain takes a while.
type trailChain struct {
	src          trailSource
	bucket       string
	account      *Account
	region       string
	logPrefix    string
	digestPrefix string
	versioned    bool // the bucket keeps the versions a tampering replaced
	once         sync.Once
	objs         []*ObjectVersion
}

// needed reports whether a listing under prefix, or a key, may include
// the chain's files.
func (ch *trailChain) needed(prefix string) bool {
	for _, p := range []string{ch.logPrefix, ch.digestPrefix} {
		if strings.HasPrefix(p, prefix) || strings.HasPrefix(prefix, p) {
			return true
		}
	}
	return false
}

func (ch *trailChain) objects(s *Scenario) []*ObjectVersion {
	ch.once.Do(func() {
		ch.objs = s.regionFiles(ch.bucket, ch.versioned, ch.src, ch.account, ch.region)
		index(ch.objs)
	})
	return ch.objs
}

// indexTrails finds, for each bucket of the scenario, the trails that
// deliver to it, and the account-regions each writes files for.
func (s *Scenario) indexTrails() {
	buckets := map[string]*Bucket{}
	for _, a := range s.AccountList {
		for _, b := range a.Buckets {
			buckets[b.Name] = b
			b.chains = nil
		}
	}
	for _, a := range s.AccountList {
		for _, home := range a.sortedRegionNames() {
			for _, t := range a.Regions[home].Trails {
				b := buckets[t.S3BucketName]
				if b == nil {
					continue
				}
				src := trailSource{trail: t, home: home, owner: a.ID, members: []string{a.ID}}
				if t.IsOrganization && a.ID == s.Organization.ManagementAccount {
					src.orgID, src.members = s.Organization.ID, s.Accounts()
				}
				for _, acct := range src.members {
					m := s.Account(acct)
					for _, region := range m.sortedRegionNames() {
						if !t.IsMultiRegion && region != home {
							continue
						}
						base := src.prefix(acct)
						b.chains = append(b.chains, &trailChain{
							src: src, bucket: b.Name, versioned: b.Versioning == "Enabled", account: m, region: region,
							logPrefix: base + "CloudTrail/" + region + "/", digestPrefix: base + "CloudTrail-Digest/" + region + "/",
						})
					}
				}
			}
		}
	}
}

// objectsUnder returns the bucket's object versions that a listing under
// prefix (or a request for a key) may concern: its own objects and the
// trail files under the prefix, oldest first within a key.
func (b *Bucket) objectsUnder(s *Scenario, prefix string) []*ObjectVersion {
	var need []*trailChain
	for _, ch := range b.chains {
		if ch.needed(prefix) {
			need = append(need, ch)
		}
	}
	if len(need) == 0 {
		return b.Objects
	}
	// Sign the chains side by side.
	var wg sync.WaitGroup
	for _, ch := range need {
		wg.Go(func() { ch.objects(s) })
	}
	wg.Wait()
	out := slices.Clip(b.Objects)
	for _, ch := range need {
		out = append(out, ch.objs...)
	}
	return out
}

// prefix is where a trail writes for an account: AWSLogs/[org/]account/.
func (src trailSource) prefix(account string) string {
	p := src.trail.S3KeyPrefix
	if p != "" && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	p += "AWSLogs/"
	if src.orgID != "" {
		p += src.orgID + "/"
	}
	return p + account + "/"
}

type digestLogFile struct {
	S3Bucket        string `json:"s3Bucket"`
	S3Object        string `json:"s3Object"`
	HashValue       string `json:"hashValue"`
	HashAlgorithm   string `json:"hashAlgorithm"`
	NewestEventTime string `json:"newestEventTime"`
	OldestEventTime string `json:"oldestEventTime"`
}

type digestFile struct {
	AWSAccountID                string          `json:"awsAccountId"`
	DigestStartTime             string          `json:"digestStartTime"`
	DigestEndTime               string          `json:"digestEndTime"`
	DigestS3Bucket              string          `json:"digestS3Bucket"`
	DigestS3Object              string          `json:"digestS3Object"`
	DigestPublicKeyFingerprint  string          `json:"digestPublicKeyFingerprint"`
	DigestSignatureAlgorithm    string          `json:"digestSignatureAlgorithm"`
	NewestEventTime             *string         `json:"newestEventTime"`
	OldestEventTime             *string         `json:"oldestEventTime"`
	PreviousDigestS3Bucket      *string         `json:"previousDigestS3Bucket"`
	PreviousDigestS3Object      *string         `json:"previousDigestS3Object"`
	PreviousDigestHashValue     *string         `json:"previousDigestHashValue"`
	PreviousDigestHashAlgorithm *string         `json:"previousDigestHashAlgorithm"`
	PreviousDigestSignature     *string         `json:"previousDigestSignature"`
	LogFiles                    []digestLogFile `json:"logFiles"`
}

// recordsOf returns an account-region's management and data events within
// the trail's logging span, oldest first.
func recordsOf(r *Region, t *Trail) []*event {
	var out []*event
	for i := len(r.events) - 1; i >= 0; i-- {
		e := r.events[i]
		if !e.Time.Before(t.StartLoggingTime) && (t.LatestDeliveryTime.IsZero() || !e.Time.After(t.LatestDeliveryTime)) {
			out = append(out, e)
		}
	}
	if t.selectsData() {
		for _, raw := range r.DataEvents {
			if e, err := parseEvent(raw); err == nil {
				out = append(out, e)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// selectsData reports whether a trail records data events.
func (t *Trail) selectsData() bool {
	if len(t.DataEvents) > 0 {
		return true
	}
	for _, a := range t.Advanced {
		for _, f := range a.FieldSelectors {
			if f.Field == "eventCategory" && contains(f.Equals, "Data") {
				return true
			}
		}
	}
	return false
}

// regionFiles writes one account-region's files: a log file per hour with
// events, and an hourly chain of signed digests from the first hour with
// events to the last.
// Tampering (see FileTampering) then rewrites or deletes some of them.
func (s *Scenario) regionFiles(bucket string, versioned bool, src trailSource, a *Account, region string) []*ObjectVersion {
	recs := recordsOf(a.Regions[region], src.trail)
	if len(recs) == 0 {
		return nil
	}
	base := src.prefix(a.ID)
	_, fingerprint := digestPublicKey()
	var out []*ObjectVersion
	first := recs[0].Time.Truncate(time.Hour)
	last := recs[len(recs)-1].Time.Truncate(time.Hour)
	var prev *ObjectVersion
	var prevSig, prevHash string
	i := 0
	for hour := first; !hour.After(last); hour = hour.Add(time.Hour) {
		var inHour []*event
		for i < len(recs) && recs[i].Time.Before(hour.Add(time.Hour)) {
			inHour = append(inHour, recs[i])
			i++
		}
		delivered := hour.Add(time.Hour + 5*time.Minute)
		d := digestFile{
			AWSAccountID: a.ID, DigestStartTime: ctTime(hour), DigestEndTime: ctTime(hour.Add(time.Hour)),
			DigestS3Bucket: bucket, DigestPublicKeyFingerprint: fingerprint, DigestSignatureAlgorithm: "SHA256withRSA",
			LogFiles: []digestLogFile{},
		}
		d.DigestS3Object = base + "CloudTrail-Digest/" + region + "/" + hour.Format("2006/01/02") + "/" +
			a.ID + "_CloudTrail-Digest_" + region + "_" + src.trail.Name + "_" + src.home + "_" + hour.Add(time.Hour).Format("20060102T150405Z") + ".json.gz"
		tm := src.trail.tamperingOf(a.ID, region, hour)
		if len(inHour) > 0 {
			raw := logFileBody(inHour)
			sum := sha256.Sum256(raw)
			key := base + "CloudTrail/" + region + "/" + hour.Format("2006/01/02") + "/" + a.ID + "_CloudTrail_" + region + "_" +
				hour.Add(time.Hour).Format("20060102T1504Z") + "_" + keyText(0, bucket+key0(hour, a.ID, region), 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") + ".json.gz"
			out = append(out, tm.logFile(&ObjectVersion{
				Key: key, VersionID: versionOf(key), LastModified: delivered.Add(-time.Minute), ContentType: "application/json",
				data: gzipped(raw),
			}, inHour, versioned)...)
			oldest, newest := ctTime(inHour[0].Time), ctTime(inHour[len(inHour)-1].Time)
			d.OldestEventTime, d.NewestEventTime = &oldest, &newest
			d.LogFiles = append(d.LogFiles, digestLogFile{bucket, key, hex.EncodeToString(sum[:]), "SHA-256", newest, oldest})
		}
		sig := "null"
		if prev != nil {
			pb, pk, ph, ps, alg := bucket, prev.Key, prevHash, prevSig, "SHA-256"
			d.PreviousDigestS3Bucket, d.PreviousDigestS3Object, d.PreviousDigestHashValue, d.PreviousDigestSignature, d.PreviousDigestHashAlgorithm = &pb, &pk, &ph, &ps, &alg
			sig = prevSig
		}
		body, err := json.Marshal(d)
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(body)
		toSign := d.DigestEndTime + "\n" + bucket + "/" + d.DigestS3Object + "\n" + hex.EncodeToString(sum[:]) + "\n" + sig
		h := sha256.Sum256([]byte(toSign))
		signature, err := rsa.SignPKCS1v15(nil, digestKey(), crypto.SHA256, h[:])
		if err != nil {
			panic(err)
		}
		dig := &ObjectVersion{
			Key: d.DigestS3Object, VersionID: versionOf(d.DigestS3Object), LastModified: delivered, ContentType: "application/json",
			data:     gzipped(body),
			Metadata: map[string]string{"signature": hex.EncodeToString(signature), "signature-algorithm": "SHA256withRSA"},
		}
		out = append(out, tm.digest(dig, versioned)...)
		prev, prevSig, prevHash = dig, hex.EncodeToString(signature), hex.EncodeToString(sum[:])
	}
	return out
}

func key0(hour time.Time, account, region string) string {
	return hour.Format(time.RFC3339) + account + region
}

// versionOf derives a stable S3 version id for a generated object.
func versionOf(key string) string {
	return keyText(0, "version/"+key, 32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")
}

// logFileBody is a CloudTrail log file: {"Records":[...]}.
func logFileBody(events []*event) []byte {
	var b bytes.Buffer
	b.WriteString(`{"Records":[`)
	for i, e := range events {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(e.Raw)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// gzipped compresses deterministically (no name, no time in the header).
func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}
