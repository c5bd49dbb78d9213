package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
)

func packCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "pack",
		Usage:     "write a bundle directory as one tar file for transfer; the same bundle always packs to the same bytes",
		ArgsUsage: "BUNDLE OUT.tar",
		Description: "custody verify reads the tar in place; tar -xf restores the directory.\n" +
			"OUT appears only when complete and is never overwritten.",
		Action: func(c *cli.Context) error {
			if c.NArg() != 2 {
				return usagef("pack takes BUNDLE and OUT.tar")
			}
			out := c.Args().Get(1)
			if _, err := os.Lstat(out); err == nil {
				return usagef("%s exists; a tar is never overwritten", out)
			}
			if err := archive.Pack(c.Args().First(), out); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "packed: %s\n", out)
			return nil
		},
	})
}
