package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect"
	"github.com/custodyhq/custody/collect/invlogs"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

// runKindBaseline marks a bundle that records the estate as known good.
const runKindBaseline = "baseline"

// isEventSource says whether a source collects an event stream (CloudTrail
// events, invocation logs) rather than a snapshot of state. A baseline
// holds snapshots only.
func isEventSource(name string) bool {
	return name == invlogs.Source || strings.HasPrefix(name, "cloudtrail.")
}

// snapshotSources are the default sources that snapshot state.
func snapshotSources() []string {
	return slices.DeleteFunc(slices.Clone(sourceNames), isEventSource)
}

func baselineCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "baseline",
		Usage: "record the estate as known good: configurations, roles, objects and their hashes, model artifacts",
		Subcommands: []*cli.Command{
			withUsageErrors(&cli.Command{
				Name:      "capture",
				Usage:     "collect the snapshot sources, no event streams, into a sealed, signed baseline bundle",
				ArgsUsage: " ",
				Description: "Takes the same targets as collect. Sources default to every snapshot source:\n" +
					"   " + strings.Join(snapshotSources(), ", ") + "\n" +
					"The manifest marks the bundle as a baseline; custody diff compares later bundles with it.",
				Flags: baselineFlags(),
				Action: func(c *cli.Context) error {
					o, err := baselineOptionsFrom(c, time.Now())
					if err != nil {
						return err
					}
					res, err := runCollect(c.Context, e, o)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s: baseline sealed: %d files, %d gaps\n", o.Out, len(res.Manifest.Files), len(res.Manifest.Gaps))
					return nil
				},
			}),
			withUsageErrors(&cli.Command{
				Name:      "from",
				Usage:     "derive a baseline from an evidence bundle: its snapshot rows and blobs, resealed and signed",
				ArgsUsage: "BUNDLE",
				Description: "Verifies BUNDLE first (against --verify-key, or the public half of --key), refuses it\n" +
					"if it fails (exit 3), then copies the rows and blobs of its snapshot sources into a new\n" +
					"bundle marked as a baseline, signed with --key.",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "out", Usage: "baseline bundle directory to create"},
					&cli.StringFlag{Name: "key", Usage: "signing key: a PEM file or awskms://…", EnvVars: []string{"CUSTODY_KEY"}},
					&cli.StringFlag{Name: "verify-key", Usage: "public key BUNDLE must be signed with; default the public half of --key", EnvVars: []string{"CUSTODY_VERIFY_KEY"}},
				},
				Action: func(c *cli.Context) error {
					o := baselineFromOptions{Bundle: c.Args().First(), Out: c.String("out"), Key: c.String("key"), VerifyKey: c.String("verify-key"), Argv: redactArgs(os.Args)}
					if c.NArg() != 1 {
						return usagef("baseline from takes one BUNDLE")
					}
					if err := o.Validate(); err != nil {
						return err
					}
					m, err := runBaselineFrom(c.Context, e, o)
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stdout, "%s: baseline sealed from %s: %d files\n", o.Out, o.Bundle, len(m.Files))
					return nil
				},
			}),
		},
	}
}

// baselineFlags are collect's flags without the window: a baseline is a
// snapshot.
func baselineFlags() []cli.Flag {
	return slices.DeleteFunc(collectFlags(), func(f cli.Flag) bool {
		return slices.Contains([]string{"since", "until", "resume"}, f.Names()[0])
	})
}

func baselineOptionsFrom(c *cli.Context, now time.Time) (*collectOptions, error) {
	o := commonOptionsFrom(c)
	o.Kind, o.Since, o.Until = runKindBaseline, now.Add(-time.Second).UTC(), now.UTC()
	if o.Case == "" {
		o.Case = "baseline"
	}
	if len(o.Sources) == 0 {
		o.Sources = snapshotSources()
	}
	for _, s := range o.Sources {
		if isEventSource(s) {
			return nil, usagef("source %s collects events, not state: a baseline holds snapshots only (%s)", s, strings.Join(snapshotSources(), ", "))
		}
	}
	return o, o.Validate()
}

// baselineFromOptions are the settings of `baseline from`.
type baselineFromOptions struct {
	Bundle, Out, Key, VerifyKey string
	Argv                        []string
}

func (o baselineFromOptions) Validate() error {
	if o.Out == "" {
		return usagef("--out is required")
	}
	if o.Key == "" {
		return usagef("--key is required (make one with custody keygen)")
	}
	if _, err := os.Stat(o.Out); err == nil {
		return usagef("%s exists; a bundle is never overwritten", o.Out)
	}
	return nil
}

// runBaselineFrom verifies a bundle and reseals its snapshot records as a
// baseline.
func runBaselineFrom(ctx context.Context, e *env, o baselineFromOptions) (*archive.Manifest, error) {
	signer, pub, err := archive.LoadSigner(ctx, o.Key, passphrase(e, "CUSTODY_KEY_PASSWORD"))
	if err != nil {
		return nil, err
	}
	v, err := archive.VerifierFor(pub)
	if o.VerifyKey != "" {
		v, err = archive.LoadVerifier(o.VerifyKey)
	}
	if err != nil {
		return nil, err
	}
	rep, err := verify.Verify(ctx, o.Bundle, verify.Options{Verifier: v, Logger: e.log})
	if err != nil {
		return nil, err
	}
	if !rep.OK {
		printProblems(e.stderr, rep)
		return nil, fmt.Errorf("%s: %w: refusing to derive a baseline from it", o.Bundle, errVerifyFailed)
	}
	rd, err := archive.Open(o.Bundle)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	src := rd.Manifest()
	w, err := archive.Create(o.Out, archive.WriterOptions{
		Signer: signer, PublicKey: pub, ToolVersion: version(), Logger: e.log, Actor: "custody baseline from",
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
	keep := func(table string, _ archive.Partition, m schemas.Meta) bool {
		return table != schemas.TableCloudTrailEvents && table != schemas.TableInvocations && !isEventSource(m.Source)
	}
	if _, err := copyRecords(ctx, rd, w, keep); err != nil {
		return nil, fmt.Errorf("baseline from %s: %w", o.Bundle, err)
	}
	var sources []schemas.SourceInfo
	for _, s := range src.Sources {
		if !isEventSource(s.Name) {
			sources = append(sources, s)
		}
	}
	w.SetRun(schemas.Run{
		Case: src.Case, Kind: runKindBaseline,
		Title: fmt.Sprintf("baseline derived from %s (manifest sha256:%s)", o.Bundle, rd.ManifestSHA256()),
		Since: src.Window.Since, Until: src.Window.Until, Started: src.Started,
		Targets: src.Targets, Sources: sources, Command: o.Argv,
	})
	m, err := w.Close(context.WithoutCancel(ctx))
	if err != nil {
		return nil, err
	}
	sealed = true
	return m, nil
}

// copyRecords copies into w every record of rd that keep accepts, blobs
// included, table by table.
func copyRecords(ctx context.Context, rd *archive.Reader, w *archive.Writer, keep func(table string, p archive.Partition, m schemas.Meta) bool) (int64, error) {
	var n int64
	for _, table := range schemas.TableNames() {
		err := rd.ScanRows(ctx, table, func(part archive.Partition, m schemas.Meta, row schemas.Row) error {
			if !keep(table, part, m) {
				return nil
			}
			u := collect.Unit{Source: m.Source, ID: m.Unit, Target: collect.Target{Account: part.Account, Region: part.Region}}
			n++
			if g, ok := row.(*schemas.GapRow); ok {
				return w.Gap(ctx, collect.Gap{Unit: u, Cause: g.Cause, Message: g.Message, Time: g.Time})
			}
			e := collect.Evidence{
				Kind: m.Kind, Unit: u, ObjectID: m.ObjectID, ObservedAt: m.ObservedAt, Claimed: m.Claimed,
				Provenance: schemas.Provenance{Service: m.Service, Operation: m.Operation, RequestID: m.RequestID, Time: m.Time, Caller: m.Caller},
				Row:        row,
			}
			var body io.ReadCloser
			if m.BlobSHA256 != nil {
				b, err := rd.OpenBlob(*m.BlobSHA256)
				if err != nil {
					return fmt.Errorf("blob %s: %w", *m.BlobSHA256, err)
				}
				body, e.Body = b, b
			}
			err := w.Put(ctx, e)
			if body != nil {
				body.Close()
			}
			return err
		})
		if err != nil {
			return n, fmt.Errorf("copy %s: %w", table, err)
		}
	}
	return n, nil
}

// printProblems lists a failed verification's problems.
func printProblems(w io.Writer, rep *verify.Report) {
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "PROBLEM %s: %s: %s\n", p.Kind, p.Path, p.Detail)
	}
}
