package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
)

func handoffCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "handoff",
		Usage:     "record that the bundle passes to someone: append a signed, hash-chained custody entry",
		ArgsUsage: "BUNDLE",
		Description: "Checks the custody chain, appends an entry signed with --key naming --to, and\n" +
			"prints the new head: the recipient's receipt, for custody verify --expect-head.\n" +
			"Works on a bundle directory; pack it again after.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "to", Usage: "who receives the bundle (required)"},
			&cli.StringFlag{Name: "key", Usage: "signing key of the one handing over: file or awskms://… (required)", EnvVars: []string{"CUSTODY_KEY"}},
			&cli.StringFlag{Name: "actor", Usage: "who hands over; default the key's hint"},
			&cli.StringFlag{Name: "note", Usage: "a note recorded in the entry"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("handoff takes one BUNDLE")
			}
			if c.String("to") == "" || c.String("key") == "" {
				return usagef("--to and --key are required")
			}
			signer, _, err := archive.LoadSigner(c.Context, c.String("key"), passphrase(e, "CUSTODY_KEY_PASSWORD"))
			if err != nil {
				return err
			}
			head, err := archive.HandoffWith(c.Context, c.Args().First(), c.String("to"), signer, c.String("note"),
				archive.HandoffOptions{Actor: c.String("actor")})
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "handed over to %s\nhead: %s\n", c.String("to"), head)
			return nil
		},
	})
}
