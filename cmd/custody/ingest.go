package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/collect/digest"
	"github.com/custodyhq/custody/ingest"
	"github.com/custodyhq/custody/schemas"
)

// ingestOptions are the options of `custody ingest`.
type ingestOptions struct {
	Case, Title, Out, Key string
	PublicKeys            string // ListPublicKeys JSON
	Paths                 []string
	Parallel              int
	Argv                  []string
}

func (o *ingestOptions) Validate() error {
	switch {
	case o.Case == "":
		return usagef("--case is required")
	case o.Out == "":
		return usagef("--out is required")
	case o.Key == "":
		return usagef("--key is required")
	case len(o.Paths) == 0:
		return usagef("ingest takes one or more PATHs: files or directories")
	}
	return nil
}

func ingestCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:  "ingest",
		Usage: "seal evidence already on disk (CloudTrail log and digest files, lookup-events output, invocation logs) into a signed bundle",
		Description: "Each file's kind is told from its content, never its name. Every file is kept byte-exact as a blob; " +
			"a file that is not understood is kept and recorded as a gap. Rows are partitioned by the account and region " +
			"the records name.\n\nDigest files are validated as `aws cloudtrail validate-logs` does when " +
			"--cloudtrail-public-keys is given. A digest's signature is S3 object metadata, which a copy to disk " +
			"loses: give it in a file beside the digest, named after it with any extension, holding the hex " +
			"signature or the JSON `aws s3api head-object` prints.\n\n" + exitStatusHelp,
		ArgsUsage: "PATH…",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "case", Usage: "case id, recorded in the bundle", EnvVars: []string{"CUSTODY_CASE"}},
			&cli.StringFlag{Name: "title", Usage: "case title"},
			&cli.StringFlag{Name: "out", Usage: "bundle directory to create"},
			&cli.StringFlag{Name: "key", Usage: "signing key: a PEM file or awskms://…", EnvVars: []string{"CUSTODY_KEY"}},
			&cli.StringFlag{Name: "cloudtrail-public-keys", Usage: "the JSON `aws cloudtrail list-public-keys` prints; digest files are validated with it"},
			&cli.IntFlag{Name: "parallel", Usage: "files read at once; default the CPUs"},
		},
		Action: func(c *cli.Context) error {
			o := &ingestOptions{
				Case: c.String("case"), Title: c.String("title"), Out: c.String("out"), Key: c.String("key"),
				PublicKeys: c.String("cloudtrail-public-keys"), Paths: c.Args().Slice(), Parallel: c.Int("parallel"),
				Argv: redactArgs(os.Args),
			}
			if err := o.Validate(); err != nil {
				return err
			}
			defer limitMemory(streamMemoryLimit)()
			st, m, err := runIngest(c.Context, e, o)
			if err != nil {
				return err
			}
			kinds := make([]string, 0, len(st.Files))
			for k := range st.Files {
				kinds = append(kinds, string(k))
			}
			sort.Strings(kinds)
			for _, k := range kinds {
				fmt.Fprintf(e.stderr, "custody: %d %s\n", st.Files[ingest.Kind(k)], k)
			}
			fmt.Fprintf(e.stderr, "custody: sealed %s: %d rows, %d gaps, %d files\n", o.Out, st.Rows, st.Gaps, len(m.Files))
			return nil
		},
	})
}

// runIngest seals the files under o.Paths into the bundle o.Out.
func runIngest(ctx context.Context, e *env, o *ingestOptions) (*ingest.Stats, *archive.Manifest, error) {
	var keys digest.Keys
	if o.PublicKeys != "" {
		b, err := os.ReadFile(o.PublicKeys)
		if err != nil {
			return nil, nil, usagef("--cloudtrail-public-keys: %v", err)
		}
		if keys, err = digest.ParseKeys(b); err != nil {
			return nil, nil, usagef("--cloudtrail-public-keys: %v", err)
		}
	}
	signer, pub, err := archive.LoadSigner(ctx, o.Key, passphrase(e, "CUSTODY_KEY_PASSWORD"))
	if err != nil {
		return nil, nil, err
	}
	started := time.Now().UTC()
	w, err := archive.Create(o.Out, archive.WriterOptions{
		Signer: signer, PublicKey: pub, ToolVersion: version(), Logger: e.log, Actor: "custody ingest",
	})
	if err != nil {
		return nil, nil, err
	}
	sealed := false
	defer func() {
		if !sealed {
			w.Abort()
		}
	}()
	st, err := ingest.Run(ctx, o.Paths, w, ingest.Options{Keys: keys, Parallel: o.Parallel})
	if err != nil {
		return nil, nil, err
	}
	byAccount := map[string][]string{}
	for t := range st.Targets {
		if !slices.Contains(byAccount[t.Account], t.Region) {
			byAccount[t.Account] = append(byAccount[t.Account], t.Region)
		}
	}
	var targets []schemas.TargetInfo
	for a, rs := range byAccount {
		sort.Strings(rs)
		targets = append(targets, schemas.TargetInfo{Account: a, Regions: rs})
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].Account < targets[j].Account })
	opts := map[string]string{"validated": fmt.Sprint(keys != nil)}
	w.SetRun(schemas.Run{
		Case: o.Case, Title: o.Title, Kind: "evidence", Started: started, Targets: targets,
		Sources: []schemas.SourceInfo{{Name: ingest.Source, Options: opts}}, Command: o.Argv,
	})
	m, err := w.Close(context.WithoutCancel(ctx))
	if err != nil {
		return nil, nil, err
	}
	sealed = true
	return st, m, nil
}
