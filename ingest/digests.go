package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/custodyhq/custody/collect/digest"
	"github.com/custodyhq/custody/collect/trailfiles"
	"github.com/custodyhq/custody/schemas"
)

// digests keeps every digest file and the signatures beside them, and
// validates them when keys were given. A digest's signature is S3 object
// metadata, which a copy to disk loses; it is read from a file beside the
// digest whose name is the digest's plus an extension, holding either the
// hex signature or the JSON `aws s3api head-object` prints.
func (r *run) digests(ctx context.Context, files []file) (*digest.Set, error) {
	sigs := map[string][2]string{} // digest path -> signature, algorithm
	for _, f := range files {
		switch f.kind {
		case KindDigestSig, KindHeadObject, KindPublicKeys:
		default:
			continue
		}
		r.st.file(f.kind)
		u := r.fileUnit(f)
		if _, err := r.store(ctx, f, KindFile, u); err != nil {
			return nil, err
		}
		if f.kind == KindPublicKeys {
			continue
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			return nil, fmt.Errorf("ingest: %w", err)
		}
		sig, algo := strings.TrimSpace(string(b)), "SHA256withRSA"
		if f.kind == KindHeadObject {
			var h struct{ Metadata map[string]string }
			_ = json.Unmarshal(b, &h)
			sig, algo = h.Metadata["signature"], h.Metadata["signature-algorithm"]
		}
		for _, d := range files {
			if d.kind == KindDigest && strings.HasPrefix(path.Base(f.rel), path.Base(d.rel)+".") && path.Dir(f.path) == path.Dir(d.path) {
				sigs[d.path] = [2]string{sig, algo}
			}
		}
	}
	var ds []*digest.Digest
	units := map[*digest.Digest]file{}
	for _, f := range files {
		if f.kind != KindDigest {
			continue
		}
		r.st.file(f.kind)
		u := r.fileUnit(f)
		if _, err := r.store(ctx, f, trailfiles.KindDigestFile, u); err != nil {
			return nil, err
		}
		content, err := readMaybeGzip(f.path)
		var d *digest.Digest
		if err == nil {
			s := sigs[f.path]
			d, err = digest.Parse(content, s[0], s[1])
		}
		if err != nil {
			if err := r.gap(ctx, u, schemas.CauseUnparsable, err.Error()); err != nil {
				return nil, err
			}
			continue
		}
		// The digest names where it was delivered; that is its identity.
		ds = append(ds, d)
		units[d] = f
	}
	if r.o.Keys == nil {
		return nil, nil
	}
	set, err := digest.Validate(r.o.Keys, ds, nil)
	if err != nil {
		return nil, err
	}
	at := r.o.Now().UTC()
	for _, d := range ds {
		f := units[d]
		for _, v := range set.Digests() {
			if v.Bucket == d.Bucket && v.Key == d.Key {
				t, ok := layoutTarget(f.rel)
				if !ok {
					t.Account = d.File.AWSAccountID
				}
				if err := r.sink.Put(ctx, trailfiles.ValidationEvidence(r.unit(f, t), v, "digest", nil, at)); err != nil {
					return nil, err
				}
			}
		}
	}
	return set, nil
}

func readMaybeGzip(p string) ([]byte, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, maxWholeDigestSize))
}
