package agency

import (
	"context"
	"fmt"

	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/discover"
)

// discoveredUnits lists a unit for each execution role t's estate leads
// to (agents, knowledge bases, action-group functions, invocation
// logging) in t's own account. IAM is global: each role is read once, in
// IAM's region, however many targets meet it.
func (r *Roles) discoveredUnits(ctx context.Context, t collect.Target) ([]collect.Unit, error) {
	f, refused := r.Estate.Find(ctx, t)
	if f == nil {
		return nil, fmt.Errorf("agency: discover roles %s/%s: %w", t.Account, t.Region, refused)
	}
	it := t
	if r.Region != "" {
		it.Region = r.Region
	} else {
		it.Region = iamRegion(t.Region)
	}
	var units []collect.Unit
	if refused != nil {
		units = append(units, collect.Unit{Source: Source, ID: discover.UnitID, Target: t})
	}
	for _, role := range f.Roles {
		name, account := roleName(role.ARN)
		if name == "" || (account != "" && account != t.Account) || !r.claim(t.Account+"/"+unitPrefix+name) {
			continue
		}
		units = append(units, collect.Unit{Source: Source, ID: unitPrefix + name, Target: it})
	}
	return units, nil
}
