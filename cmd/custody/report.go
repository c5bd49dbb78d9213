package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/report"
)

func reportCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "report",
		Usage:     "triage a verified bundle by the seven methodology elements: findings, timeline, evidence pointers",
		ArgsUsage: "BUNDLE",
		Description: "Verifies the bundle against --key, refuses it if it fails, then runs the rules over its tables\n" +
			"and answers each element's questions from the evidence, or says why there is none.\n" +
			"Formats: html (one self-contained page), md, json (" + report.MediaType + "),\n" +
			"ocsf (OCSF Detection Finding, class 2004, one JSON object a line).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "public key (PEM) or awskms://… the bundle must be signed with", EnvVars: []string{"CUSTODY_VERIFY_KEY"}},
			&cli.StringFlag{Name: "format", Value: report.FormatHTML, Usage: "html, md, json or ocsf"},
			&cli.StringFlag{Name: "out", Usage: "file to write; default stdout"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("report takes one BUNDLE")
			}
			o := reportOptions{Bundle: c.Args().First(), Key: c.String("key"), Format: c.String("format"), Out: c.String("out")}
			if err := o.Validate(); err != nil {
				return err
			}
			_, err := runReport(c.Context, e, o)
			return err
		},
	})
}

// reportOptions are the report command's options.
type reportOptions struct {
	Bundle, Key, Format, Out string
}

func (o reportOptions) Validate() error {
	if o.Key == "" {
		return usagef("--key is required: a bundle is reported on only after it verifies against its key")
	}
	if !slices.Contains(report.Formats(), o.Format) {
		return usagef("--format %q: want %s", o.Format, strings.Join(report.Formats(), ", "))
	}
	return nil
}

// runReport verifies the bundle, triages it, and writes the report.
func runReport(ctx context.Context, e *env, o reportOptions) (*report.Report, error) {
	v, err := archive.LoadVerifier(o.Key)
	if err != nil {
		return nil, err
	}
	rep, err := report.Generate(ctx, o.Bundle, report.Options{Verifier: v, Logger: e.log})
	var ue *report.UnverifiedError
	if errors.As(err, &ue) {
		for _, p := range ue.Problems {
			fmt.Fprintf(e.stderr, "PROBLEM %s\n", p)
		}
		return nil, fmt.Errorf("%s: %w: refusing to report on it", o.Bundle, errVerifyFailed)
	}
	if err != nil {
		return nil, err
	}
	if err := writeReport(rep, o.Format, o.Out, e.stdout); err != nil {
		return nil, err
	}
	return rep, nil
}

// writeReport writes to out through a temporary file renamed into place,
// or to stdout when out is empty.
func writeReport(rep *report.Report, format, out string, stdout io.Writer) error {
	return writeOutput(out, stdout, func(w io.Writer) error { return report.Write(w, rep, format) })
}
