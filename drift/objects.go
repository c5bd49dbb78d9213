package drift

import (
	"context"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// objVersion is what Diff keeps of one object version: no body, no
// strings it can share.
type objVersion struct {
	id       string
	sha      [32]byte
	hasSHA   bool
	etag     string
	size     int64
	modified int64 // unix seconds
	latest   bool
	deleted  bool // a delete marker
}

// content identifies what a version holds: its sha256, or its ETag and
// size when the content was not preserved.
func (v *objVersion) sameContent(w *objVersion) bool {
	if v.deleted || w.deleted {
		return v.deleted == w.deleted
	}
	if v.hasSHA && w.hasSHA {
		return v.sha == w.sha
	}
	return v.etag == w.etag && v.size == w.size
}

// objEntry is one object, bucket and key, with its versions.
type objEntry struct {
	account, region, source, unit, ledBy string // interned
	versions                             []objVersion
}

// latest is the version S3 marked latest, or the newest.
func (e *objEntry) latest() *objVersion {
	var best *objVersion
	for i := range e.versions {
		v := &e.versions[i]
		if v.latest {
			return v
		}
		if best == nil || v.modified > best.modified {
			best = v
		}
	}
	return best
}

func (e *objEntry) has(id string) bool {
	return slices.ContainsFunc(e.versions, func(v objVersion) bool { return v.id == id })
}

// objectSet is every object of one bundle, by bucket and key.
type objectSet struct {
	m      map[string]*objEntry
	intern map[string]string
	units  map[string]bool // source/account/region/unit of object rows
}

// str interns a string read from a batch, copying it the first time.
func (s *objectSet) str(x string) string {
	if y, ok := s.intern[x]; ok {
		return y
	}
	x = strings.Clone(x)
	s.intern[x] = x
	return x
}

// loadObjects reads the objects table column by column, only the columns
// it keeps, copying each string it keeps out of the batch.
func loadObjects(ctx context.Context, rd *archive.Reader) (*objectSet, error) {
	s := &objectSet{m: map[string]*objEntry{}, intern: map[string]string{}, units: map[string]bool{}}
	err := rd.Scan(ctx, schemas.TableObjects, func(p archive.Partition, rec arrow.RecordBatch) error {
		var c objectColumns
		if err := c.bind(rec); err != nil {
			return err
		}
		for r := range int(rec.NumRows()) {
			source, unit := c.source.Value(r), c.unit.Value(r)
			if uk := unitKey(source, p.Account, p.Region, unit); !s.units[uk] {
				s.units[strings.Clone(uk)] = true
			}
			k := c.bucket.Value(r) + "\x00" + c.key.Value(r)
			e := s.m[k]
			if e == nil {
				e = &objEntry{account: s.str(p.Account), region: s.str(p.Region), source: s.str(source), unit: s.str(unit), ledBy: s.str(c.ledBy.Value(r))}
				s.m[k] = e
			}
			id := c.version.Value(r)
			if e.has(id) {
				continue // the same version, reached through two locations
			}
			v := objVersion{id: strings.Clone(id), etag: strings.Clone(c.etag.Value(r)), size: c.size.Value(r),
				latest: c.latest.Value(r), deleted: c.deleted.Value(r)}
			if !c.modified.IsNull(r) {
				v.modified = c.modified.Value(r).ToTime(arrow.Microsecond).Unix()
			}
			if !c.sha.IsNull(r) {
				if n, err := hex.Decode(v.sha[:], []byte(c.sha.Value(r))); err == nil && n == 32 {
					v.hasSHA = true
				}
			}
			e.versions = append(e.versions, v)
		}
		return nil
	})
	return s, err
}

// objectColumns are the columns of an objects batch Diff reads.
type objectColumns struct {
	bucket, key, version, etag, sha, ledBy, source, unit *array.String
	latest, deleted                                      *array.Boolean
	size                                                 *array.Int64
	modified                                             *array.Timestamp
}

func (c *objectColumns) bind(rec arrow.RecordBatch) error {
	var err error
	str := func(name string) *array.String {
		a, _ := column(rec, name, &err).(*array.String)
		if a == nil && err == nil {
			err = fmt.Errorf("drift: objects column %s is not a string", name)
		}
		return a
	}
	c.bucket, c.key, c.version, c.etag = str("bucket"), str("key"), str("version_id"), str("etag")
	c.sha, c.ledBy, c.source, c.unit = str("sha256"), str("led_by"), str("evidence_source"), str("evidence_unit")
	var ok [4]bool
	c.latest, ok[0] = column(rec, "is_latest", &err).(*array.Boolean)
	c.deleted, ok[1] = column(rec, "delete_marker", &err).(*array.Boolean)
	c.size, ok[2] = column(rec, "size", &err).(*array.Int64)
	c.modified, ok[3] = column(rec, "last_modified", &err).(*array.Timestamp)
	if err == nil && ok != [4]bool{true, true, true, true} {
		err = fmt.Errorf("drift: objects columns of unexpected types: %s", rec.Schema())
	}
	return err
}

// column returns a batch's column by name, or records that it is missing.
func column(rec arrow.RecordBatch, name string, err *error) arrow.Array {
	idx := rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		if *err == nil {
			*err = fmt.Errorf("drift: objects table has no column %s", name)
		}
		return nil
	}
	return rec.Column(idx[0])
}

// objects compares the objects tables.
func (d *differ) objects(ctx context.Context, baseline, bundle *archive.Reader) error {
	// The two sides load at once: each is one pass over its table.
	var bs, as *objectSet
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if bs, err = loadObjects(gctx, baseline); err != nil {
			err = fmt.Errorf("drift: baseline objects: %w", err)
		}
		return err
	})
	g.Go(func() (err error) {
		if as, err = loadObjects(gctx, bundle); err != nil {
			err = fmt.Errorf("drift: bundle objects: %w", err)
		}
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	n := d.r.Compared[schemas.KindS3Object]
	n[0], n[1] = int64(len(bs.m)), int64(len(as.m))
	d.r.Compared[schemas.KindS3Object] = n
	// A location is compared only when both bundles read it: objects of a
	// location the other bundle did not read, or holds as a gap, are not
	// reported as added or deleted.
	read := func(s *objectSet, sc *scope, e *objEntry) bool {
		k := unitKey(e.source, e.account, e.region, e.unit)
		return sc.sources[e.source] && !sc.gaps[k] && (s.units[k] || sc.units[k])
	}
	for k, b := range bs.m {
		a := as.m[k]
		bucket, key, _ := strings.Cut(k, "\x00")
		if a == nil {
			if !read(as, d.a, b) {
				d.notCompared("objects of %s in %s/%s: not read by the bundle", b.unit, b.account, b.region)
				continue
			}
			lb := b.latest()
			if lb.deleted {
				continue // deleted before the baseline too; only its history went
			}
			d.add(objectChange(ObjectDeleted, Medium, bucket, key, b, nil, "deleted, every version"))
			continue
		}
		d.compareObject(bucket, key, b, a)
	}
	for k, a := range as.m {
		if bs.m[k] != nil {
			continue
		}
		if !read(bs, d.b, a) {
			d.notCompared("objects of %s in %s/%s: not read by the baseline", a.unit, a.account, a.region)
			continue
		}
		bucket, key, _ := strings.Cut(k, "\x00")
		if a.latest().deleted {
			c := objectChange(ObjectVersionsAdded, Medium, bucket, key, nil, a, "written and deleted since the baseline")
			d.add(c)
			continue
		}
		d.add(objectChange(ObjectAdded, High, bucket, key, nil, a, "added"))
	}
	return nil
}

func (d *differ) compareObject(bucket, key string, b, a *objEntry) {
	lb, la := b.latest(), a.latest()
	var added, removed []string
	for _, v := range a.versions {
		if !b.has(v.id) {
			added = append(added, v.id)
		}
	}
	for _, v := range b.versions {
		if !a.has(v.id) {
			removed = append(removed, v.id)
		}
	}
	switch {
	case !lb.sameContent(la) && la.deleted:
		d.add(objectChange(ObjectDeleted, Medium, bucket, key, b, a, "deleted: its latest version is a delete marker"))
	case !lb.sameContent(la) && lb.deleted:
		d.add(objectChange(ObjectAdded, High, bucket, key, b, a, "written again after its deletion"))
	case !lb.sameContent(la):
		d.add(objectChange(ObjectModified, High, bucket, key, b, a,
			fmt.Sprintf("modified: sha256 %s → %s", digest(lb), digest(la))))
	case len(added) > 0:
		d.add(objectChange(ObjectVersionsAdded, Medium, bucket, key, b, a,
			fmt.Sprintf("has %d new versions, its latest content unchanged", len(added))))
	}
	if len(removed) > 0 {
		c := objectChange(ObjectVersionsRemoved, High, bucket, key, b, a,
			fmt.Sprintf("lost %d versions the baseline holds: history permanently deleted", len(removed)))
		c.Details = append(c.Details, "versions removed: "+strings.Join(removed, ", "))
		d.add(c)
	}
}

// objectChange is a change of one object; b or a is nil when the object
// is only on the other side.
func objectChange(typ string, sev Severity, bucket, key string, b, a *objEntry, what string) Change {
	e := a
	if e == nil {
		e = b
	}
	el := elementOf(e.ledBy)
	if el == schemas.ElementAI {
		switch typ {
		case ObjectAdded:
			typ = ModelArtifactAdded
		case ObjectModified:
			typ = ModelArtifactChanged
		case ObjectDeleted:
			typ = ModelArtifactDeleted
		}
	}
	c := Change{
		Type: typ, Element: el, Severity: sev, Kind: schemas.KindS3Object,
		Account: e.account, Region: e.region, Subject: "s3://" + bucket + "/" + key,
		Summary: fmt.Sprintf("%s s3://%s/%s %s", nounOf(e.ledBy), bucket, key, what),
	}
	if b != nil {
		c.Before = objectState(b)
	}
	if a != nil {
		c.After = objectState(a)
		c.Version = a.latest().id
	}
	if e.ledBy != "" {
		c.Details = append(c.Details, "read by "+e.ledBy)
	}
	return c
}

func objectState(e *objEntry) *State {
	l := e.latest()
	s := &State{Version: l.id, ETag: l.etag, LastModified: time.Unix(l.modified, 0).UTC(), DeleteMarker: l.deleted, LedBy: e.ledBy}
	if l.hasSHA {
		s.SHA256 = hex.EncodeToString(l.sha[:])
	}
	if !l.deleted {
		size := l.size
		s.Size = &size
	}
	vs := slices.Clone(e.versions)
	slices.SortStableFunc(vs, func(x, y objVersion) int { return int(y.modified - x.modified) })
	for _, v := range vs {
		s.Versions = append(s.Versions, v.id)
	}
	return s
}

func digest(v *objVersion) string {
	if v.hasSHA {
		return hex.EncodeToString(v.sha[:])
	}
	return "(not preserved; ETag " + v.etag + ")"
}

// elementOf is the element an object bears on, from what led to it: model
// weights and training data are AI, an action group's schema is agency,
// the rest (knowledge-base documents) data store.
func elementOf(ledBy string) string {
	switch {
	case strings.Contains(ledBy, ":custom-model/"), strings.Contains(ledBy, ":imported-model/"),
		strings.Contains(ledBy, ":model-customization-job/"), strings.Contains(ledBy, ":model-import-job/"),
		strings.Contains(ledBy, ":sagemaker:"):
		return schemas.ElementAI
	case strings.Contains(ledBy, ":agent/"), strings.Contains(ledBy, ":function:"):
		return schemas.ElementAgency
	}
	return schemas.ElementDataStore
}

func nounOf(ledBy string) string {
	switch {
	case strings.Contains(ledBy, ":knowledge-base/"):
		return "knowledge-base document"
	case elementOf(ledBy) == schemas.ElementAI:
		return "model artifact"
	case elementOf(ledBy) == schemas.ElementAgency:
		return "agent object"
	}
	return "object"
}
