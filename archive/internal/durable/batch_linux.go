package durable

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncMany flushes the filesystem that holds the files with one syncfs(2)
// when they all live on it: every dirty page of that filesystem, theirs
// included, reaches the disk, and since Linux 5.8 a write-back error of
// the filesystem is reported, as fsync reports one of its file. Files on
// several filesystems are fsynced one by one.
func syncMany(files []*os.File) error {
	var dev uint64
	for i, f := range files {
		var st unix.Stat_t
		if err := unix.Fstat(int(f.Fd()), &st); err != nil {
			return syncEach(files)
		}
		if i > 0 && st.Dev != dev {
			return syncEach(files)
		}
		dev = st.Dev
	}
	if err := unix.Syncfs(int(files[0].Fd())); err != nil {
		return fmt.Errorf("durable: syncfs %s: %w", files[0].Name(), err)
	}
	return nil
}
