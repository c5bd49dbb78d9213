package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/verify"
)

func verifyCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "verify",
		Usage:     "verify a bundle: signature, every file, every blob, every table, the custody chain",
		ArgsUsage: "BUNDLE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "public key (PEM) or awskms://… the bundle must be signed with", EnvVars: []string{"CUSTODY_VERIFY_KEY"}},
			&cli.StringFlag{Name: "expect-head", Usage: "sha256 of the last custody entry, as the last handoff printed it"},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("verify takes one BUNDLE")
			}
			if c.String("key") == "" {
				return usagef("--key is required: a bundle is only as trustworthy as the key it is checked against")
			}
			rep, err := verifyBundle(c.Context, c.Args().First(), c.String("key"), c.String("expect-head"))
			if err != nil {
				return err
			}
			if c.Bool("json") {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				printReport(e, rep)
			}
			if !rep.OK {
				return errVerifyFailed
			}
			return nil
		},
	})
}

func verifyBundle(ctx context.Context, path, key, head string) (*verify.Report, error) {
	v, err := archive.LoadVerifier(key)
	if err != nil {
		return nil, err
	}
	return verify.Verify(ctx, path, verify.Options{Verifier: v, ExpectHead: head})
}

func printReport(e *env, rep *verify.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stdout, "PROBLEM %s: %s: %s\n", p.Kind, p.Path, p.Detail)
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", rep.Bundle, verdict(rep))
}

func verdict(rep *verify.Report) string {
	if rep.OK {
		return "OK: signature, files, blobs, tables and custody chain verified"
	}
	return fmt.Sprintf("FAILED: %d problems", len(rep.Problems))
}
