package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/kbobjects"
	"github.com/custodyhq/custody/schemas"
)

// collectOptions are the settings of one collection.
type collectOptions struct {
	Profile, Region, EndpointURL string
	AccessKeyID, SecretKey       string // static credentials (the lab); never from flags
	Org                          bool
	Accounts, Exclude            []string
	RoleName, ExternalID         string
	Regions                      []string
	Since, Until                 time.Time
	Sources                      []string
	Case, Title                  string
	Out, Key                     string
	Parallel                     int
	DefaultRate                  float64
	Quiet                        bool
	Resume                       string // an interrupted run's bundle to continue
	Objects                      objectBounds
	Kind                         string // the run kind in the manifest; "" = evidence
	Argv                         []string
}

func (o *collectOptions) Validate() error {
	if o.Out == "" {
		return usagef("--out is required")
	}
	mode, err := kbobjects.ParseMode(string(o.Objects.Mode))
	if err != nil {
		return usagef("--objects: %v", err)
	}
	o.Objects.Mode = mode
	if o.Objects.MaxBytes < 0 {
		return usagef("--max-object-bytes must not be negative")
	}
	if o.Key == "" {
		return usagef("--key is required (make one with custody keygen)")
	}
	if o.Case == "" {
		return usagef("--case is required")
	}
	if !o.Until.After(o.Since) {
		return usagef("--until (%s) must be after --since (%s)", o.Until.Format(time.RFC3339), o.Since.Format(time.RFC3339))
	}
	if o.Org && len(o.Accounts) > 0 {
		return usagef("--org and --accounts are exclusive")
	}
	if len(o.Regions) == 0 {
		return usagef("--regions is empty")
	}
	if slices.Contains(o.Regions, "all") && len(o.Regions) > 1 {
		return usagef("--regions all stands alone")
	}
	for _, s := range o.Sources {
		if !slices.Contains(sourceNames, s) && !slices.Contains(optionalSourceNames, s) {
			return usagef("unknown source %q (have %s)", s, strings.Join(append(slices.Clone(sourceNames), optionalSourceNames...), ", "))
		}
	}
	if _, err := os.Stat(o.Out); err == nil {
		return usagef("%s exists; a bundle is never overwritten", o.Out)
	}
	if o.Resume != "" && o.Resume == o.Out {
		return usagef("--resume needs a new --out: the interrupted bundle is kept as it was sealed")
	}
	return nil
}

func collectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "case", Usage: "case id, recorded in the bundle and the AssumeRole session name", EnvVars: []string{"CUSTODY_CASE"}},
		&cli.StringFlag{Name: "title", Usage: "case title"},
		&cli.StringFlag{Name: "out", Usage: "bundle directory to create"},
		&cli.StringFlag{Name: "key", Usage: "signing key: a PEM file or awskms://…", EnvVars: []string{"CUSTODY_KEY"}},
		&cli.StringFlag{Name: "profile", Usage: "AWS shared config or SSO profile", EnvVars: []string{"AWS_PROFILE"}},
		&cli.StringFlag{Name: "region", Usage: "home region for global calls"},
		&cli.StringFlag{Name: "endpoint-url", Usage: "send every AWS call here (an emulator); AWS_ENDPOINT_URL works too"},
		&cli.BoolFlag{Name: "org", Usage: "every active account of the organization (management or delegated admin)"},
		&cli.StringFlag{Name: "accounts", Usage: "comma-separated account ids"},
		&cli.StringFlag{Name: "exclude-accounts", Usage: "comma-separated account ids to leave out"},
		&cli.StringFlag{Name: "role-name", Value: collect.DefaultRoleName, Usage: "role assumed in every account but the caller's"},
		&cli.StringFlag{Name: "external-id", Usage: "external id for AssumeRole"},
		&cli.StringFlag{Name: "regions", Value: "all", Usage: "all (each account's enabled regions) or a comma-separated list"},
		&cli.StringFlag{Name: "since", Usage: "window start: RFC 3339 time or a duration back from --until (72h, 30d); default 90d"},
		&cli.StringFlag{Name: "until", Usage: "window end: RFC 3339 time; default now"},
		&cli.StringFlag{Name: "sources", Usage: "comma-separated sources; default all: " + strings.Join(sourceNames, ",")},
		&cli.IntFlag{Name: "parallel", Value: collect.DefaultParallel, Usage: "units of work in flight", EnvVars: []string{"CUSTODY_PARALLEL"}},
		&cli.Float64Flag{Name: "default-rate", Value: 10, Usage: "requests/s per account, region and API where AWS publishes no quota"},
		&cli.BoolFlag{Name: "quiet", Usage: "no progress lines"},
		&cli.StringFlag{Name: "objects", Value: string(kbobjects.AllVersions), Usage: "S3 content to preserve: all-versions, latest or none (skipped content is still listed, with the reason)"},
		&cli.Int64Flag{Name: "max-object-bytes", Usage: "do not preserve the content of S3 objects larger than this (0 = no limit); they are listed, with the reason"},
		&cli.StringFlag{Name: "resume", Usage: "continue an interrupted collection: from its sealed bundle, finished units are carried over, not repeated; from the .partial a killed run left, object versions it stored are not fetched again"},
	}
}

func collectCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "collect",
		Usage:     "acquire evidence from AWS into a sealed, signed bundle",
		ArgsUsage: " ",
		Flags:     collectFlags(),
		Action: func(c *cli.Context) error {
			o, err := collectOptionsFrom(c, time.Now())
			if err != nil {
				return err
			}
			defer limitMemory(streamMemoryLimit)()
			_, err = runCollect(c.Context, e, o)
			return err
		},
	})
}

func collectOptionsFrom(c *cli.Context, now time.Time) (*collectOptions, error) {
	o := commonOptionsFrom(c)
	o.Resume = c.String("resume")
	if len(o.Sources) == 0 {
		o.Sources = sourceNames
	}
	var err error
	if o.Until, err = parseTime(c.String("until"), now, now); err != nil {
		return nil, usagef("--until: %v", err)
	}
	since := c.String("since")
	if since == "" {
		since = "90d"
	}
	if o.Since, err = parseTime(since, o.Until, now); err != nil {
		return nil, usagef("--since: %v", err)
	}
	return o, o.Validate()
}

// commonOptionsFrom reads the flags collect shares with baseline capture
// and diff --live: targets, sources, output and pace. A flag a command
// does not define reads as its zero value.
func commonOptionsFrom(c *cli.Context) *collectOptions {
	return &collectOptions{
		Profile: c.String("profile"), Region: c.String("region"), EndpointURL: c.String("endpoint-url"),
		Org: c.Bool("org"), Accounts: splitList(c.String("accounts")), Exclude: splitList(c.String("exclude-accounts")),
		RoleName: c.String("role-name"), ExternalID: c.String("external-id"),
		Regions: splitList(c.String("regions")), Sources: splitList(c.String("sources")),
		Case: c.String("case"), Title: c.String("title"), Out: c.String("out"), Key: c.String("key"),
		Parallel: c.Int("parallel"), DefaultRate: c.Float64("default-rate"), Quiet: c.Bool("quiet"),
		Objects: objectBounds{Mode: kbobjects.Mode(c.String("objects")), MaxBytes: c.Int64("max-object-bytes")},
		Argv:    redactArgs(os.Args),
	}
}

// parseTime reads an RFC 3339 time, or a duration (h, m, s, or d for days)
// counted back from ref. Empty means def.
func parseTime(s string, ref, def time.Time) (time.Time, error) {
	if s == "" {
		return def.UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("%q is not a time or a duration", s)
		}
		return ref.Add(-time.Duration(n) * 24 * time.Hour).UTC(), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return time.Time{}, fmt.Errorf("%q is not a time or a duration", s)
	}
	return ref.Add(-d).UTC(), nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// redactArgs keeps the command line for the manifest, without anything that
// could be a secret.
func redactArgs(args []string) []string {
	out := slices.Clone(args)
	for i, a := range out {
		if strings.Contains(strings.ToLower(a), "secret") || strings.Contains(strings.ToLower(a), "password") || strings.Contains(strings.ToLower(a), "token") {
			out[i] = "[redacted]"
		}
	}
	return out
}

// collectResult is what a collection produced.
type collectResult struct {
	Manifest    *archive.Manifest
	Stats       *collect.Stats
	Resolved    *collect.Resolved
	Interrupted bool
}

// runCollect acquires evidence into a sealed bundle. Interrupted by ctx, it
// still seals what was collected, records the rest as gaps, and returns
// errInterrupted.
func runCollect(ctx context.Context, e *env, o *collectOptions) (*collectResult, error) {
	signer, pub, err := archive.LoadSigner(ctx, o.Key, passphrase(e, "CUSTODY_KEY_PASSWORD"))
	if err != nil {
		return nil, err
	}
	progress := newProgress(e.stderr, o.Quiet)
	defer progress.stop()
	sess, err := collect.NewSession(ctx, collect.SessionOptions{
		OnCall:  progress.Call,
		Profile: o.Profile, Region: o.Region, EndpointURL: o.EndpointURL,
		AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretKey,
		Case: o.Case, ExternalID: o.ExternalID, DefaultRate: o.DefaultRate,
	})
	if err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	w, err := archive.Create(o.Out, archive.WriterOptions{
		Signer: signer, PublicKey: pub, ToolVersion: version(), Logger: e.log,
		Actor: "custody collect",
	})
	if err != nil {
		return nil, err
	}
	sealed := false
	defer func() {
		if !sealed {
			w.Abort()
		}
	}()
	var prev *previousRun
	runOpts := collect.Options{Parallel: o.Parallel, Logger: e.log}
	var resumed []string
	var salvage *archive.Salvage
	salvaged := new(atomic.Int64)
	if o.Resume != "" && killedRun(o.Resume) {
		if salvage, err = archive.OpenSalvage(o.Resume); err != nil {
			return nil, err
		}
		fmt.Fprintf(e.stderr, "custody: %s was never sealed; continuing it: %d stored bodies will not be fetched again\n", o.Resume, salvage.Len())
	} else if o.Resume != "" {
		v, err := archive.VerifierFor(pub)
		if err != nil {
			return nil, err
		}
		if prev, err = openPrevious(ctx, o.Resume, v, e); err != nil {
			return nil, err
		}
		defer prev.rd.Close()
		if _, err := prev.carryOver(ctx, w); err != nil {
			return nil, err
		}
		runOpts.Done = prev.done
		resumed = []string{prev.manifest}
	}
	sess.RecordInto(w)
	res, err := sess.Resolve(ctx, collect.TargetOptions{
		Org: o.Org, Accounts: o.Accounts, Exclude: o.Exclude, RoleName: o.RoleName, Regions: o.Regions,
	})
	if err != nil {
		return nil, err
	}
	for _, g := range res.Gaps {
		if err := w.Gap(ctx, g); err != nil {
			return nil, err
		}
	}
	bounds := o.Objects
	if salvage != nil {
		bounds.Preserved, bounds.Salvaged = salvage, salvaged
	}
	sources := buildSources(sess, o.Sources, o.Since, o.Until, bounds)
	runOpts.Progress = progress
	stats, runErr := collect.Run(ctx, res.Targets, sources, w, runOpts)
	interrupted := runErr != nil && ctx.Err() != nil && errors.Is(runErr, ctx.Err())
	if runErr != nil && !interrupted {
		return nil, runErr
	}
	if err := sess.Err(); err != nil {
		return nil, err
	}
	w.SetRun(schemas.Run{
		Case: o.Case, Title: o.Title, Kind: cmp.Or(o.Kind, "evidence"),
		Since: o.Since, Until: o.Until, Started: started,
		Targets: res.Info, Sources: sourceInfo(o, salvaged.Load()), Command: o.Argv, Resumed: resumed,
	})
	m, err := w.Close(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	sealed = true
	r := &collectResult{Manifest: m, Stats: stats, Resolved: res, Interrupted: interrupted}
	if interrupted {
		fmt.Fprintf(e.stderr, "custody: interrupted; sealed what was collected in %s, unfinished units recorded as gaps\n", o.Out)
		return r, errInterrupted
	}
	return r, nil
}

// sourceInfo describes the run's sources for the manifest. A run that
// continued a killed one names it, and how many object versions it took
// from it rather than from S3.
func sourceInfo(o *collectOptions, salvaged int64) []schemas.SourceInfo {
	var out []schemas.SourceInfo
	for _, s := range o.Sources {
		opts := map[string]string{"since": o.Since.Format(time.RFC3339), "until": o.Until.Format(time.RFC3339)}
		if s == kbobjects.Source && o.Resume != "" && killedRun(o.Resume) {
			opts["salvaged_from"] = filepath.Base(o.Resume)
			opts["salvaged_objects"] = strconv.FormatInt(salvaged, 10)
		}
		out = append(out, schemas.SourceInfo{Name: s, Options: opts})
	}
	return out
}
