package main

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"
)

// passphrase returns a function that reads a key passphrase from the
// environment variable name, or asks for it on the terminal.
func passphrase(e *env, name string) func() ([]byte, error) {
	return func() ([]byte, error) {
		if v, ok := os.LookupEnv(name); ok {
			return []byte(v), nil
		}
		f, ok := e.stdin.(*os.File)
		if !ok || !term.IsTerminal(int(f.Fd())) {
			return nil, fmt.Errorf("the key is encrypted: set %s or run on a terminal", name)
		}
		fmt.Fprint(e.stderr, "key passphrase: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return nil, fmt.Errorf("read passphrase: %w", err)
		}
		return b, nil
	}
}

// newPassphrase asks for a new passphrase twice, or takes it from name.
func newPassphrase(e *env, name string) ([]byte, error) {
	if v, ok := os.LookupEnv(name); ok {
		if v == "" {
			return nil, usagef("%s is empty; use --no-passphrase for an unencrypted key", name)
		}
		return []byte(v), nil
	}
	ask := passphrase(e, name)
	a, err := ask()
	if err != nil {
		return nil, err
	}
	fmt.Fprint(e.stderr, "again: ")
	b, err := ask()
	if err != nil {
		return nil, err
	}
	if string(a) != string(b) || len(a) == 0 {
		return nil, errors.New("passphrases differ or are empty")
	}
	return a, nil
}
