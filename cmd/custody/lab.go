package main

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/lab"
)

func labCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "lab",
		Usage: "an emulated AWS estate with a seeded incident, for drills and tests",
		Subcommands: []*cli.Command{
			withUsageErrors(&cli.Command{
				Name:  "serve",
				Usage: "serve the estate over HTTP until interrupted; prints shell exports for the responder",
				Description: "Prints AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION\n" +
					"for the responder in the management account, so that\n" +
					"   custody lab serve --addr 127.0.0.1:4566 > lab.env & sleep 1; . ./lab.env; custody collect --org …\n" +
					"works with no custody-specific flag.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "scenario", Value: "builtin", Usage: "builtin, or a scenario JSON file"},
					&cli.StringFlag{Name: "addr", Value: "127.0.0.1:0", Usage: "listen address"},
					&cli.StringFlag{Name: "faults", Usage: "fault rates per request, e.g. throttle=0.05,error=0.02,reset=0.01,truncate=0.01"},
					&cli.DurationFlag{Name: "latency", Usage: "added to every response"},
					&cli.Int64Flag{Name: "seed", Value: 1, Usage: "seeds the scenario and faults, so a run replays"},
					&cli.StringFlag{Name: "call-log", Usage: "write one JSON line per request to this file"},
					&cli.IntFlag{Name: "accounts", Usage: "extra background member accounts (builtin scenario)"},
					&cli.BoolFlag{Name: "before-incident", Usage: "serve the estate as it was before the attack (builtin scenario)"},
					&cli.StringFlag{Name: "anchor", Usage: "RFC 3339 day the builtin scenario starts; default a fixed day"},
					&cli.BoolFlag{Name: "no-quotas", Usage: "do not simulate AWS API quotas"},
					&cli.IntFlag{Name: "kb-objects", Usage: "add a knowledge base over a bucket of this many generated documents (builtin scenario)"},
					&cli.StringFlag{Name: "kb-bytes", Value: "1GiB", Usage: "total size of the --kb-objects documents: bytes, or with KiB, MiB, GiB"},
				},
				Action: func(c *cli.Context) error {
					opts, closeLog, err := labOptions(c)
					if err != nil {
						return err
					}
					defer closeLog()
					srv, err := lab.New(opts)
					if err != nil {
						return err
					}
					url, err := srv.Start(c.String("addr"))
					if err != nil {
						return err
					}
					defer srv.Close()
					r := srv.Responder()
					since, until := opts.Scenario.Window()
					fmt.Fprintf(e.stdout, "export AWS_ENDPOINT_URL=%s\nexport AWS_ACCESS_KEY_ID=%s\nexport AWS_SECRET_ACCESS_KEY=%s\nexport AWS_REGION=%s\n",
						url, r.AccessKeyID, r.SecretAccessKey, r.Region)
					fmt.Fprintf(e.stderr, "custody lab: serving %d accounts at %s; events from %s to %s\n",
						len(opts.Scenario.Accounts()), url, since.Format(time.RFC3339), until.Format(time.RFC3339))
					if f, ok := e.stdout.(*os.File); ok {
						f.Sync()
					}
					<-c.Context.Done()
					return nil
				},
			}),
		},
	}
}

func labOptions(c *cli.Context) (lab.Options, func(), error) {
	o := lab.Options{Latency: c.Duration("latency"), Seed: c.Int64("seed"), NoQuotas: c.Bool("no-quotas")}
	closeLog := func() {}
	var err error
	if o.Faults, err = lab.ParseFaults(c.String("faults")); err != nil {
		return o, closeLog, usagef("--faults: %v", err)
	}
	if s := c.String("scenario"); s != "builtin" {
		if o.Scenario, err = lab.LoadScenario(s); err != nil {
			return o, closeLog, err
		}
	} else {
		bo := lab.BuiltinOptions{Accounts: c.Int("accounts"), BeforeIncident: c.Bool("before-incident"), Seed: c.Int64("seed")}
		if n := c.Int("kb-objects"); n > 0 {
			if bo.KBBytes, err = parseBytes(c.String("kb-bytes")); err != nil {
				return o, closeLog, usagef("--kb-bytes: %v", err)
			}
			bo.KBObjects = n
		}
		if a := c.String("anchor"); a != "" {
			if bo.Anchor, err = time.Parse(time.RFC3339, a); err != nil {
				return o, closeLog, usagef("--anchor: %v", err)
			}
		}
		o.Scenario = lab.Builtin(bo)
	}
	if p := c.String("call-log"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			return o, closeLog, err
		}
		o.CallLog = f
		closeLog = func() { f.Close() }
	}
	return o, closeLog, nil
}

// parseBytes reads a size: a number of bytes, or one followed by KiB, MiB
// or GiB.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = rest, u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}
