package main

import (
	"encoding/json"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
)

// inspection is custody inspect's JSON output.
type inspection struct {
	MediaType string           `json:"media_type"`
	Bundle    string           `json:"bundle"`
	Case      string           `json:"case"`
	Kind      string           `json:"kind"`
	Sealed    string           `json:"sealed"`
	Window    archive.Window   `json:"window"`
	Targets   int              `json:"targets"`
	Rows      map[string]int64 `json:"rows"`
	Blobs     archive.BlobInfo `json:"blobs"`
	Gaps      int              `json:"gaps"`
	GapCauses map[string]int   `json:"gap_causes"`
	Files     int              `json:"files"`
}

func inspectCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "inspect",
		Usage:     "summarize a bundle: case, window, rows per table, blobs, gaps (does not verify)",
		ArgsUsage: "BUNDLE",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.StringFlag{Name: "record", Usage: "print the CloudTrail record(s) with this event id exactly as AWS delivered them, from the row or its log file's blob", Value: ""},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("inspect takes one BUNDLE")
			}
			r, err := archive.Open(c.Args().First())
			if err != nil {
				return err
			}
			defer r.Close()
			if id := c.String("record"); id != "" {
				return printRecords(c.Context, r, id, e.stdout, e.stderr)
			}
			m := r.Manifest()
			in := inspection{
				MediaType: schemas.MediaTypeInspect, Bundle: c.Args().First(), Case: m.Case, Kind: m.Kind,
				Sealed: m.Sealed.Format("2006-01-02T15:04:05Z07:00"), Window: m.Window, Targets: len(m.Targets),
				Rows: map[string]int64{}, Blobs: m.Blobs, Gaps: len(m.Gaps), GapCauses: map[string]int{}, Files: len(m.Files),
			}
			for _, t := range m.Tables {
				in.Rows[t.Name] = t.Rows
			}
			for _, g := range m.Gaps {
				in.GapCauses[g.Cause]++
			}
			if c.Bool("json") {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(in)
			}
			fmt.Fprintf(e.stdout, "case %s (%s), sealed %s\nwindow %s to %s\n%d targets, %d files, %d blobs\n",
				in.Case, in.Kind, in.Sealed, m.Window.Since.Format("2006-01-02T15:04:05Z"), m.Window.Until.Format("2006-01-02T15:04:05Z"),
				in.Targets, in.Files, in.Blobs.Count)
			for _, t := range m.Tables {
				fmt.Fprintf(e.stdout, "  %-20s %d rows\n", t.Name, t.Rows)
			}
			fmt.Fprintf(e.stdout, "%d gaps\n", in.Gaps)
			for cause, n := range in.GapCauses {
				fmt.Fprintf(e.stdout, "  %-20s %d\n", cause, n)
			}
			return nil
		},
	})
}
