package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
)

func keygenCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "keygen",
		Usage:     "make a signing key pair: PREFIX.key (encrypted) and PREFIX.pub",
		ArgsUsage: "PREFIX",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "algorithm", Value: "ecdsa-p256", Usage: "ecdsa-p256, ed25519 or rsa"},
			&cli.BoolFlag{Name: "no-passphrase", Usage: "leave the private key unencrypted"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("keygen takes one PREFIX")
			}
			prefix := c.Args().First()
			var pass []byte
			if !c.Bool("no-passphrase") {
				var err error
				if pass, err = newPassphrase(e, "CUSTODY_KEY_PASSWORD"); err != nil {
					return err
				}
			}
			key, err := archive.GenerateKey(c.String("algorithm"))
			if err != nil {
				return usageError{err}
			}
			if err := archive.WriteKeyPair(prefix+".key", prefix+".pub", key, pass); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "private key: %s.key\npublic key:  %s.pub\n", prefix, prefix)
			return nil
		},
	})
}
