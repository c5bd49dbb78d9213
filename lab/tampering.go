package lab

import (
	"slices"
	"strings"
	"time"
)

// FileTampering is what was done, after delivery, to one hour of a trail's
// files for one account and region: the log file rewritten without some
// of its records, or the log file or the digest deleted. The digests keep
// what CloudTrail delivered, so a validator finds the log file's hash no
// longer matching, or the chain of digests broken where one is missing.
// In a versioned bucket the delivered version stays as a noncurrent
// version under the rewrite or the delete marker; otherwise it is gone.
type FileTampering struct {
	Account string    `json:"account"` // default: the trail's owner
	Region  string    `json:"region"`
	Hour    time.Time `json:"hour"` // the hour whose events the files cover, truncated to the hour
	At      time.Time `json:"at"`   // when; default an hour after the hour's digest was delivered
	// RemoveEvents rewrites the log file without the records of these
	// event ids, byte for byte the others.
	RemoveEvents []string `json:"removeEvents,omitempty"`
	DeleteLog    bool     `json:"deleteLog,omitempty"`
	DeleteDigest bool     `json:"deleteDigest,omitempty"`
}

// tamperingOf returns the tampering of an account-region's hour of the
// trail's files, or nil.
func (t *Trail) tamperingOf(account, region string, hour time.Time) *FileTampering {
	for i, tm := range t.Tampering {
		acct := tm.Account
		if acct == "" {
			acct = accountOfARN(t.ARN)
		}
		if acct == account && tm.Region == region && tm.Hour.Truncate(time.Hour).Equal(hour) {
			return &t.Tampering[i]
		}
	}
	return nil
}

// accountOfARN is the account field of arn:partition:service:region:account:...
func accountOfARN(arn string) string {
	if f := strings.SplitN(arn, ":", 6); len(f) >= 5 {
		return f[4]
	}
	return ""
}

// when is the time of the tampering.
func (tm *FileTampering) when(delivered time.Time) time.Time {
	if !tm.At.IsZero() {
		return tm.At
	}
	return delivered.Add(time.Hour)
}

// logFile returns the versions of an hour's log file, oldest first:
// the delivered one, then what the tampering left.
func (tm *FileTampering) logFile(o *ObjectVersion, events []*event, versioned bool) []*ObjectVersion {
	if tm == nil {
		return []*ObjectVersion{o}
	}
	switch {
	case tm.DeleteLog:
		return tm.replace(o, &ObjectVersion{DeleteMarker: true}, versioned)
	case len(tm.RemoveEvents) > 0:
		kept := slices.DeleteFunc(slices.Clone(events), func(e *event) bool { return slices.Contains(tm.RemoveEvents, e.ID) })
		return tm.replace(o, &ObjectVersion{ContentType: o.ContentType, data: gzipped(logFileBody(kept))}, versioned)
	}
	return []*ObjectVersion{o}
}

// digest returns the versions of an hour's digest file, oldest first.
func (tm *FileTampering) digest(o *ObjectVersion, versioned bool) []*ObjectVersion {
	if tm == nil || !tm.DeleteDigest {
		return []*ObjectVersion{o}
	}
	return tm.replace(o, &ObjectVersion{DeleteMarker: true}, versioned)
}

// replace puts a new version (or a delete marker) over a delivered one.
// Without versioning a rewrite replaces the object and a delete removes
// it.
func (tm *FileTampering) replace(o, by *ObjectVersion, versioned bool) []*ObjectVersion {
	by.Key, by.LastModified = o.Key, tm.when(o.LastModified)
	if !versioned {
		if by.DeleteMarker {
			return nil
		}
		by.VersionID = o.VersionID
		return []*ObjectVersion{by}
	}
	by.VersionID = versionOf(o.Key + "#" + by.LastModified.Format(time.RFC3339))
	return []*ObjectVersion{o, by}
}
