package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/modelsig"
)

// maxModelSignature bounds the signature read: a shard list for a terabyte
// model is a few megabytes.
const maxModelSignature = 256 << 20

func signModelCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "sign-model",
		Usage:     "sign a model directory in the OpenSSF model-signing format, to pin it before an incident",
		ArgsUsage: "PATH",
		Description: "Writes a Sigstore bundle whose in-toto statement (predicate https://model_signing/signature/v1.0)\n" +
			"lists the sha256 of every file under PATH. .git, .gitattributes, .github, .gitignore and the\n" +
			"signature itself are left out. The signature is never overwritten without --force.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "private key (PEM) or awskms://… to sign with"},
			&cli.StringFlag{Name: "signature", Usage: "where to write the signature (default PATH/model.sig)"},
			&cli.StringSliceFlag{Name: "ignore", Usage: "a path relative to PATH to leave out (repeatable)"},
			&cli.BoolFlag{Name: "allow-symlinks", Usage: "sign symbolic links to files as the files they point to"},
			&cli.BoolFlag{Name: "force", Usage: "overwrite an existing signature"},
		},
		Action: func(c *cli.Context) error {
			args, err := trailingFlags(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return usagef("sign-model takes one model directory PATH")
			}
			if c.String("key") == "" {
				return usagef("--key is required")
			}
			dir := args[0]
			out := c.String("signature")
			if out == "" {
				out = filepath.Join(dir, modelsig.DefaultSignatureName)
			}
			if _, err := os.Lstat(out); err == nil && !c.Bool("force") {
				return usagef("%s exists; use --force to replace it", out)
			}
			signer, _, err := archive.LoadSigner(c.Context, c.String("key"), passphrase(e, "CUSTODY_KEY_PASSWORD"))
			if err != nil {
				return err
			}
			b, st, err := modelsig.Sign(c.Context, dir, modelsig.SignOptions{
				Signer:        signer,
				Ignore:        c.StringSlice("ignore"),
				AllowSymlinks: c.Bool("allow-symlinks"),
				SignaturePath: out,
			})
			if err != nil {
				return err
			}
			if err := writeFileAtomic(out, b); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "signed %s: %d files, sha256 %s\nsignature: %s\n",
				dir, len(st.Predicate.Resources), st.Subject[0].Digest["sha256"], out)
			return nil
		},
	})
}

func verifyModelCommand(e *env) *cli.Command {
	return withUsageErrors(&cli.Command{
		Name:      "verify-model",
		Usage:     "verify a model directory against an OpenSSF model-signing signature: missing, extra and changed files",
		ArgsUsage: "PATH",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "signature", Usage: "the model signature (Sigstore bundle, model_signing v1.0)"},
			&cli.StringFlag{Name: "key", Usage: "public key (PEM) the model must be signed with", EnvVars: []string{"CUSTODY_VERIFY_KEY"}},
			&cli.BoolFlag{Name: "json", Usage: "print the report as JSON"},
		},
		Action: func(c *cli.Context) error {
			args, err := trailingFlags(c)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return usagef("verify-model takes one model directory PATH")
			}
			if c.String("signature") == "" {
				return usagef("--signature is required")
			}
			if c.String("key") == "" {
				return usagef("--key (or CUSTODY_VERIFY_KEY) is required: a signature is only as trustworthy as the key it is checked against")
			}
			v, err := archive.LoadVerifier(c.String("key"))
			if err != nil {
				return err
			}
			sig, err := readLimited(c.String("signature"), maxModelSignature)
			if err != nil {
				return err
			}
			rep, err := modelsig.Verify(c.Context, args[0], sig, modelsig.VerifyOptions{
				Verifier:      v,
				SignaturePath: c.String("signature"),
			})
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
				for _, p := range rep.Problems {
					fmt.Fprintf(e.stdout, "PROBLEM %s\n", p)
				}
				if rep.OK {
					fmt.Fprintf(e.stdout, "%s: OK: signature and %d files verified (%s, %s)\n", rep.Model, rep.Files, rep.Method, rep.HashType)
				} else {
					fmt.Fprintf(e.stdout, "%s: FAILED: %d problems\n", rep.Model, len(rep.Problems))
				}
			}
			if !rep.OK {
				return errVerifyFailed
			}
			return nil
		},
	})
}

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// writeFileAtomic writes b to a temporary file beside path and renames it
// into place.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".model-sig-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// trailingFlags applies the flags written after a command's arguments
// (custody verify-model PATH --signature SIG), which the flag parser leaves
// among the arguments, and returns the arguments left.
func trailingFlags(c *cli.Context) ([]string, error) {
	var rest []string
	args := c.Args().Slice()
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		var fl cli.Flag
		for _, f := range c.Command.Flags {
			if slices.Contains(f.Names(), name) {
				fl = f
			}
		}
		if fl == nil {
			return nil, usagef("flag provided but not defined: -%s", name)
		}
		if _, isBool := fl.(*cli.BoolFlag); isBool && !hasVal {
			val, hasVal = "true", true
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, usagef("flag needs an argument: -%s", name)
			}
			i++
			val = args[i]
		}
		if err := c.Set(name, val); err != nil {
			return nil, usagef("-%s: %v", name, err)
		}
	}
	return rest, nil
}
