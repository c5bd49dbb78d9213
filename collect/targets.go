package collect

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/sync/errgroup"

	"github.com/custodyhq/custody/schemas"
)

// DefaultRoleName is the role AWS Organizations creates in member accounts.
const DefaultRoleName = "OrganizationAccountAccessRole"

// SourceTargets names the gaps of target resolution.
const SourceTargets = "custody.targets"

// TargetOptions select the accounts and regions of a run.
type TargetOptions struct {
	Org      bool     // every active account of the organization
	Accounts []string // explicit accounts; empty and !Org = the caller's own
	Exclude  []string
	RoleName string   // assumed in every account but the caller's; "" = DefaultRoleName
	Regions  []string // region names, or ["all"] for each account's enabled regions
}

// Resolved is the target set of a run, what STS said of each account, and
// the accounts or regions that could not be reached.
type Resolved struct {
	Caller  schemas.Identity
	Targets []Target
	Info    []schemas.TargetInfo
	Gaps    []Gap
}

// Resolve turns options into targets. An account whose role cannot be
// assumed, or whose regions cannot be listed, is a gap, not a failure; only
// a failure to identify the responder's own credentials is an error.
func (s *Session) Resolve(ctx context.Context, o TargetOptions) (*Resolved, error) {
	if o.RoleName == "" {
		o.RoleName = DefaultRoleName
	}
	now := s.now()
	id, err := sts.NewFromConfig(s.Config(Target{Region: s.f.Base.Region})).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, fmt.Errorf("collect: who am I (sts GetCallerIdentity): %w", err)
	}
	res := &Resolved{Caller: schemas.Identity{Account: aws.ToString(id.Account), ARN: aws.ToString(id.Arn), UserID: aws.ToString(id.UserId)}}
	accounts := o.Accounts
	switch {
	case o.Org:
		accounts, err = s.orgAccounts(ctx, res.Caller.Account)
		if err != nil {
			return nil, fmt.Errorf("collect: list organization accounts: %w", err)
		}
	case len(accounts) == 0:
		accounts = []string{res.Caller.Account}
	}
	accounts = slices.DeleteFunc(slices.Clone(accounts), func(a string) bool { return slices.Contains(o.Exclude, a) })
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)

	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, acct := range accounts {
		g.Go(func() error {
			t := Target{Account: acct, Region: s.f.Base.Region}
			if acct != res.Caller.Account {
				t.RoleARN = fmt.Sprintf("arn:aws:iam::%s:role/%s", acct, o.RoleName)
			}
			info, targets, gaps := s.resolveAccount(gctx, t, o.Regions, now)
			mu.Lock()
			defer mu.Unlock()
			res.Gaps = append(res.Gaps, gaps...)
			if info != nil {
				res.Info = append(res.Info, *info)
				res.Targets = append(res.Targets, targets...)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	slices.SortFunc(res.Info, func(a, b schemas.TargetInfo) int { return cmpStr(a.Account, b.Account) })
	slices.SortFunc(res.Targets, func(a, b Target) int {
		if c := cmpStr(a.Account, b.Account); c != 0 {
			return c
		}
		return cmpStr(a.Region, b.Region)
	})
	return res, nil
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// resolveAccount identifies the credentials used for one account and lists
// its regions.
func (s *Session) resolveAccount(ctx context.Context, t Target, regions []string, now func() time.Time) (*schemas.TargetInfo, []Target, []Gap) {
	gapOf := func(id string, err error) Gap {
		cause, _ := GapCause(ctx, err)
		return Gap{Unit: Unit{Source: SourceTargets, ID: id, Target: t}, Cause: cause, Message: err.Error(), Time: now().UTC()}
	}
	cfg := s.Config(t)
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, nil, []Gap{gapOf("identity", err)}
	}
	info := &schemas.TargetInfo{
		Account:  t.Account,
		RoleARN:  t.RoleARN,
		Identity: schemas.Identity{Account: aws.ToString(id.Account), ARN: aws.ToString(id.Arn), UserID: aws.ToString(id.UserId)},
	}
	var gaps []Gap
	names := slices.Clone(regions)
	if len(regions) == 1 && regions[0] == "all" {
		names, err = enabledRegions(ctx, cfg)
		if err != nil {
			gaps = append(gaps, gapOf("regions", err))
			names = []string{t.Region}
		}
	}
	slices.Sort(names)
	info.Regions = names
	targets := make([]Target, 0, len(names))
	for _, r := range names {
		targets = append(targets, Target{Account: t.Account, Region: r, RoleARN: t.RoleARN})
	}
	return info, targets, gaps
}

func (s *Session) orgAccounts(ctx context.Context, caller string) ([]string, error) {
	c := organizations.NewFromConfig(s.Config(s.home(caller)))
	var out []string
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range page.Accounts {
			if a.State == orgtypes.AccountStateActive || (a.State == "" && a.Status == orgtypes.AccountStatusActive) {
				out = append(out, aws.ToString(a.Id))
			}
		}
	}
	return out, nil
}
