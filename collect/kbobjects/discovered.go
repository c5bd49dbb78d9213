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
// knowledge-base data sources, training, validation and output data,
// imported model sources, SageMaker model artifacts, action-group
// schemas. Each is read from t's account in the bucket's own region, once
// however many targets lead to it; a location nested in another (same
// bucket, prefix under its prefix) is read as part of the outer one.
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
		prefix := discover.Outermost(l.Bucket, l.Prefix, f.Locations)
		if o.Estate.ClaimLocation(claimScope(t.Account, region), l.Bucket, prefix) {
			units = append(units, collect.Unit{Source: Source, ID: unitID(l.Bucket, prefix), Target: collect.Target{Account: t.Account, Region: region, RoleARN: t.RoleARN}})
		}
	}
	return units, nil
}

// claimScope is where discovered locations are claimed: per account and
// bucket region.
func claimScope(account, region string) string { return Source + "/" + account + "/" + region }

// discoveredLocation returns what a discovered unit covers: the bucket and
// prefix its id names, the prefixes inside it other units collect, and
// every discovered resource (of the account's finished discoveries) that
// led to it, to a location nested in it, or to one around it.
func (o *Objects) discoveredLocation(u collect.Unit) (bucket, prefix string, inside []string, ledBy string, ok bool) {
	rest, ok := strings.CutPrefix(u.ID, "s3://")
	if !ok {
		return "", "", nil, "", false
	}
	bucket, prefix, ok = strings.Cut(rest, "/")
	if !ok || bucket == "" {
		return "", "", nil, "", false
	}
	inside = o.Estate.Inside(claimScope(u.Target.Account, u.Target.Region), bucket, prefix)
	var led []string
	for _, f := range o.Estate.Known(u.Target.Account) {
		for _, l := range f.Locations {
			// What leads inside the location, or to a location around it,
			// leads to its objects.
			leads := (discover.Within(l.Prefix, prefix) && !under(l.Prefix, inside)) || discover.Within(prefix, l.Prefix)
			if l.Bucket == bucket && leads && !slices.Contains(led, l.LedBy) {
				led = append(led, l.LedBy)
			}
		}
	}
	slices.Sort(led)
	return bucket, prefix, inside, strings.Join(led, ","), true
}

// under reports whether key lies under one of prefixes.
func under(key string, prefixes []string) bool {
	for _, p := range prefixes {
		if discover.Within(key, p) {
			return true
		}
	}
	return false
}
