package kbobjects

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
)

// discoveredUnits lists a unit for each location t's estate leads to:
// knowledge-base data sources, training and validation data, imported
// model sources, action-group schemas. Each is read from t's account in
// the bucket's own region, once however many targets lead to it.
func (o *Objects) discoveredUnits(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	f, refused := o.Estate.Find(ctx, t)
	if f == nil {
		return nil, fmt.Errorf("kbobjects: discover locations %s/%s: %w", t.Account, t.Region, refused)
	}
	var units []collect.Unit
	if refused != nil {
		units = append(units, collect.Unit{Source: Source, ID: discover.UnitID, Target: t})
	}
	if len(f.Locations) == 0 {
		return units, nil
	}
	api, err := o.Client(t)
	if err != nil {
		return nil, err
	}
	regions := map[string]string{}
	for _, l := range f.Locations {
		region, ok := regions[l.Bucket]
		if !ok {
			if region, err = locate(ctx, api, l.Bucket, t.Region); err != nil {
				return nil, err
			}
			regions[l.Bucket] = region
		}
		id := unitID(l.Bucket, l.Prefix)
		if o.Estate.Claim(Source + "/" + t.Account + "/" + region + "/" + id) {
			units = append(units, collect.Unit{Source: Source, ID: id, Target: collect.Target{Account: t.Account, Region: region, RoleARN: t.RoleARN}})
		}
	}
	return units, nil
}

// discoveredLocation returns what a discovered unit covers: the bucket and
// prefix its id names, and every discovered resource that led to it.
func (o *Objects) discoveredLocation(u collect.Unit) (bucket, prefix, ledBy string, ok bool) {
	rest, ok := strings.CutPrefix(u.ID, "s3://")
	if !ok {
		return "", "", "", false
	}
	bucket, prefix, ok = strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return "", "", "", false
	}
	var led []string
	for _, f := range o.Estate.Known(u.Target.Account) {
		for _, l := range f.Locations {
			if l.Bucket == bucket && l.Prefix == prefix && !slices.Contains(led, l.LedBy) {
				led = append(led, l.LedBy)
			}
		}
	}
	slices.Sort(led)
	return bucket, prefix, strings.Join(led, ","), true
}
