package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/lab"
	"github.com/custodyhq/custody/report"
)

func demoCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:  "demo",
		Usage: "collect, seal and verify the built-in emulated estate and its seeded incident; no AWS account needed",
		Description: "Starts the lab in-process on a free loopback port, collects every account and\n" +
			"region of its organization, seals the bundle with a fresh key, verifies it,\n" +
			"and prints a summary, then triages it (custody report) and prints the findings\n" +
			"and the path of the HTML report, written beside the bundle.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "out", Usage: "bundle directory to create; default a new temporary directory"},
			&cli.IntFlag{Name: "accounts", Usage: "extra background member accounts"},
			&cli.BoolFlag{Name: "quiet", Usage: "no progress lines"},
		},
		Action: func(c *cli.Context) error { return runDemo(c, e) },
	})
}

func runDemo(c *cli.Context, e *env) error {
	start := time.Now()
	out := c.String("out")
	var keyPrefix string
	if out == "" {
		dir, err := os.MkdirTemp("", "custody-demo-")
		if err != nil {
			return err
		}
		out = filepath.Join(dir, "bundle")
		keyPrefix = filepath.Join(dir, "demo")
	} else {
		if _, err := os.Stat(out); err == nil {
			return usagef("%s exists; a bundle is never overwritten", out)
		}
		keyPrefix = strings.TrimSuffix(out, string(filepath.Separator)) + ".demo"
	}
	sc := lab.Builtin(lab.BuiltinOptions{Accounts: c.Int("accounts")})
	srv, err := lab.New(lab.Options{Scenario: sc})
	if err != nil {
		return err
	}
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer srv.Close()

	key, err := archive.GenerateKey("ecdsa-p256")
	if err != nil {
		return err
	}
	if err := archive.WriteKeyPair(keyPrefix+".key", keyPrefix+".pub", key, nil); err != nil {
		return err
	}
	r := srv.Responder()
	since, until := sc.Window()
	fmt.Fprintf(e.stderr, "custody demo: lab at %s with %d accounts; collecting %s to %s\n",
		url, len(sc.Accounts()), since.Format(time.RFC3339), until.Format(time.RFC3339))
	res, err := runCollect(c.Context, e, &collectOptions{
		EndpointURL: url, Region: r.Region, AccessKeyID: r.AccessKeyID, SecretKey: r.SecretAccessKey,
		Org: true, RoleName: collect.DefaultRoleName, Regions: []string{"all"},
		Since: since, Until: until, Sources: sourceNames,
		Case: "demo-" + start.UTC().Format("20060102T150405Z"), Title: "custody demo: the built-in incident",
		Out: out, Key: keyPrefix + ".key", Parallel: collect.DefaultParallel, DefaultRate: 50,
		Quiet: c.Bool("quiet"), Argv: redactArgs(os.Args),
	})
	if err != nil {
		return err
	}
	rep, err := verifyBundle(c.Context, out, keyPrefix+".pub", "")
	if err != nil {
		return err
	}
	m := res.Manifest
	fmt.Fprintf(e.stdout, "targets:  %d accounts, %d account-regions\n", len(res.Resolved.Info), len(res.Resolved.Targets))
	for _, t := range m.Tables {
		fmt.Fprintf(e.stdout, "rows:     %-20s %d\n", t.Name, t.Rows)
	}
	fmt.Fprintf(e.stdout, "gaps:     %d\n", len(m.Gaps))
	fmt.Fprintf(e.stdout, "bundle:   %s\n", out)
	fmt.Fprintf(e.stdout, "key:      %s.key (private, unencrypted demo key), %s.pub\n", keyPrefix, keyPrefix)
	fmt.Fprintf(e.stdout, "verify:   %s\n", verdict(rep))
	fmt.Fprintf(e.stdout, "took:     %.1fs\n", time.Since(start).Seconds())
	if !rep.OK {
		return errVerifyFailed
	}
	html := strings.TrimSuffix(out, string(filepath.Separator)) + ".report.html"
	tri, err := runReport(c.Context, e, reportOptions{Bundle: out, Key: keyPrefix + ".pub", Format: report.FormatHTML, Out: html})
	if err != nil {
		return err
	}
	if err := report.WriteSummary(e.stdout, tri); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "report:   %s\n", html)
	return nil
}
