//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package modelsig

import (
	"os"
	"syscall"
)

// openFile opens a file for reading without blocking on a named pipe and,
// unless follow, without following a symbolic link in its last element.
func openFile(path string, follow bool) (*os.File, error) {
	flag := os.O_RDONLY | syscall.O_NONBLOCK
	if !follow {
		flag |= syscall.O_NOFOLLOW
	}
	return os.OpenFile(path, flag, 0)
}
