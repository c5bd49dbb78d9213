package main

import "os"

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }

func writeFile(p string, b []byte) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	return os.WriteFile(p, b, fi.Mode().Perm()|0o200)
}
