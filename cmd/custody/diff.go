package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/drift"
	"github.com/custodyhq/custody/verify"
)

func diffCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "diff",
		Usage:     "what changed since the baseline: typed, explained drift between two bundles, or a baseline and the estate now",
		ArgsUsage: "BASELINE BUNDLE | BASELINE --live",
		Description: "Verifies both bundles against --key (the baseline against --baseline-key when given) and refuses\n" +
			"to compare a bundle that fails (exit 3). With --live, collects the baseline's snapshot sources\n" +
			"from the targets into a temporary bundle, signed with a key made for it, and compares that.\n" +
			"Each change has a type, the methodology element it bears on, a severity and an explanation;\n" +
			"formats: text, md, html, json (" + drift.MediaType + ").",
		Flags: diffFlags(),
		Action: func(c *cli.Context) error {
			o, err := diffOptionsFrom(c, time.Now())
			if err != nil {
				return err
			}
			_, err = runDiff(c.Context, e, o)
			return err
		},
		CustomHelpTemplate: cli.CommandHelpTemplate + "\nEXIT STATUS:\n   0 no drift, 4 drift found, 3 a bundle failed verification, 2 usage, 1 could not run, 130 interrupted\n",
	})
}

// liveFlagNames are collect's flags that choose what --live reads.
var liveFlagNames = []string{"profile", "region", "endpoint-url", "org", "accounts", "exclude-accounts", "role-name", "external-id", "regions", "sources", "parallel", "default-rate"}

func diffFlags() []cli.Flag {
	flags := []cli.Flag{
		&cli.StringFlag{Name: "key", Usage: "public key (PEM) or awskms://… both bundles must be signed with", EnvVars: []string{"CUSTODY_VERIFY_KEY"}},
		&cli.StringFlag{Name: "baseline-key", Usage: "public key of the baseline, when another key signed it"},
		&cli.BoolFlag{Name: "json", Usage: "print the report as JSON (same as --format json)"},
		&cli.StringFlag{Name: "format", Value: drift.FormatText, Usage: "text, md, html or json"},
		&cli.StringFlag{Name: "out", Usage: "file to write the report to; default stdout"},
		&cli.BoolFlag{Name: "live", Usage: "compare the baseline with the estate now"},
		&cli.StringFlag{Name: "live-out", Usage: "with --live, keep the collected bundle here (its key next to it, .pub)"},
	}
	for _, f := range collectFlags() {
		if slices.Contains(liveFlagNames, f.Names()[0]) {
			flags = append(flags, f)
		}
	}
	return flags
}

// diffOptions are the settings of one diff.
type diffOptions struct {
	Baseline, Bundle string
	Key, BaselineKey string
	Format, Out      string
	Live             *collectOptions // nil unless --live
	LiveOut          string
}

func (o *diffOptions) Validate() error {
	if o.Key == "" {
		return usagef("--key is required: bundles are compared only after they verify against it")
	}
	if !slices.Contains(drift.Formats(), o.Format) {
		return usagef("--format %q: want %s", o.Format, strings.Join(drift.Formats(), ", "))
	}
	if o.Live == nil && o.LiveOut != "" {
		return usagef("--live-out goes with --live")
	}
	if o.LiveOut != "" {
		if _, err := os.Stat(o.LiveOut); err == nil {
			return usagef("%s exists; a bundle is never overwritten", o.LiveOut)
		}
	}
	return nil
}

func diffOptionsFrom(c *cli.Context, now time.Time) (*diffOptions, error) {
	o := &diffOptions{
		Baseline: c.Args().Get(0), Bundle: c.Args().Get(1),
		Key: c.String("key"), BaselineKey: c.String("baseline-key"),
		Format: c.String("format"), Out: c.String("out"), LiveOut: c.String("live-out"),
	}
	if c.Bool("json") {
		o.Format = drift.FormatJSON
	}
	switch {
	case c.Bool("live") && c.NArg() != 1:
		return nil, usagef("diff --live takes one BASELINE")
	case !c.Bool("live") && c.NArg() != 2:
		return nil, usagef("diff takes BASELINE and BUNDLE, or BASELINE --live")
	}
	if c.Bool("live") {
		lo := commonOptionsFrom(c)
		// The key, output and case of a live collection are its own.
		lo.Key, lo.Out, lo.Case, lo.Title = "", "", "", ""
		lo.Quiet, lo.Kind, lo.Since, lo.Until = true, "evidence", now.Add(-time.Second).UTC(), now.UTC()
		o.Live = lo
	}
	return o, o.Validate()
}

// runDiff verifies both bundles, compares them, writes the report, and
// returns errDrift when they differ.
func runDiff(ctx context.Context, e *env, o *diffOptions) (*drift.Report, error) {
	v, err := archive.LoadVerifier(o.Key)
	if err != nil {
		return nil, err
	}
	bv := v
	if o.BaselineKey != "" {
		if bv, err = archive.LoadVerifier(o.BaselineKey); err != nil {
			return nil, err
		}
	}
	if err := verifyForDiff(ctx, e, o.Baseline, verify.Options{Verifier: bv, Logger: e.log}); err != nil {
		return nil, err
	}
	base, err := archive.Open(o.Baseline)
	if err != nil {
		return nil, err
	}
	defer base.Close()
	bundleOpts := verify.Options{Verifier: v, Logger: e.log}
	if o.Live != nil {
		path, pub, cleanup, err := collectLive(ctx, e, o, base.Manifest())
		if err != nil {
			return nil, err
		}
		defer cleanup()
		o.Bundle = path
		if bundleOpts.Verifier, err = archive.LoadVerifier(pub); err != nil {
			return nil, err
		}
	}
	if err := verifyForDiff(ctx, e, o.Bundle, bundleOpts); err != nil {
		return nil, err
	}
	now, err := archive.Open(o.Bundle)
	if err != nil {
		return nil, err
	}
	defer now.Close()
	rep, err := drift.Diff(ctx, base, now, drift.Options{Logger: e.log})
	if err != nil {
		return nil, err
	}
	if err := writeDrift(rep, o.Format, o.Out, e.stdout); err != nil {
		return nil, err
	}
	if rep.Drifted() {
		return rep, fmt.Errorf("%w: %d changes since the baseline", errDrift, len(rep.Changes))
	}
	return rep, nil
}

func verifyForDiff(ctx context.Context, e *env, path string, o verify.Options) error {
	rep, err := verify.Verify(ctx, path, o)
	if err != nil {
		return err
	}
	if !rep.OK {
		printProblems(e.stderr, rep)
		return fmt.Errorf("%s: %w: refusing to compare it", path, errVerifyFailed)
	}
	return nil
}

// collectLive collects the baseline's snapshot sources from the targets
// into a bundle signed with a key made for it, and returns the bundle and
// the key's public half. cleanup removes them unless --live-out keeps the
// bundle.
func collectLive(ctx context.Context, e *env, o *diffOptions, baseline *archive.Manifest) (bundle, pub string, cleanup func(), err error) {
	tmp, err := os.MkdirTemp("", "custody-live-")
	if err != nil {
		return "", "", nil, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	key, err := archive.GenerateKey("ed25519")
	if err != nil {
		return "", "", nil, err
	}
	priv, pub := filepath.Join(tmp, "live.key"), filepath.Join(tmp, "live.pub")
	if err := archive.WriteKeyPair(priv, pub, key, nil); err != nil {
		return "", "", nil, err
	}
	lo := *o.Live
	lo.Key, lo.Out, lo.Case = priv, filepath.Join(tmp, "live"), "live:"+baseline.Case
	lo.Title = "live state compared with baseline " + o.Baseline
	if o.LiveOut != "" {
		lo.Out = o.LiveOut
	}
	if len(lo.Sources) == 0 {
		// The sources the baseline ran that this build knows and that
		// snapshot state: the same coverage on both sides.
		for _, s := range baseline.Sources {
			if slices.Contains(sourceNames, s.Name) && !isEventSource(s.Name) {
				lo.Sources = append(lo.Sources, s.Name)
			}
		}
		if len(lo.Sources) == 0 {
			lo.Sources = snapshotSources()
		}
	}
	if err := lo.Validate(); err != nil {
		return "", "", nil, err
	}
	if _, err := runCollect(ctx, e, &lo); err != nil {
		return "", "", nil, fmt.Errorf("live collection: %w", err)
	}
	if o.LiveOut != "" {
		kept := o.LiveOut + ".pub"
		if err := copyFile(pub, kept); err != nil {
			return "", "", nil, err
		}
		fmt.Fprintf(e.stderr, "custody: live bundle kept in %s, its public key in %s\n", o.LiveOut, kept)
	}
	return lo.Out, pub, cleanup, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// writeDrift writes the report to out, or to stdout when out is empty.
func writeDrift(rep *drift.Report, format, out string, stdout io.Writer) error {
	return writeOutput(out, stdout, func(w io.Writer) error { return drift.Write(w, rep, format) })
}

// writeOutput runs write into out through a temporary file renamed into
// place, or into stdout when out is empty, buffered either way.
func writeOutput(out string, stdout io.Writer, write func(io.Writer) error) error {
	if out == "" {
		bw := bufio.NewWriter(stdout)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), out)
}
