//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package modelsig

import (
	"fmt"
	"os"
)

// openFile opens a file for reading; unless follow, it refuses a path that
// is a symbolic link.
func openFile(path string, follow bool) (*os.File, error) {
	if !follow {
		fi, err := os.Lstat(path)
		if err != nil {
			return nil, err
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%s: %w", path, errNotRegular)
		}
	}
	return os.Open(path)
}
