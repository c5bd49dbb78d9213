package durable

import (
	"fmt"
	"os"
)

// SyncAll makes the written content of every file durable. One file is
// fsynced; several are made durable together where the system can (see
// syncMany), since a disk commits a few hundred separate fsyncs a second
// and a collection writes a blob for every object it reads.
func SyncAll(files []*os.File) error {
	switch len(files) {
	case 0:
		return nil
	case 1:
		if err := files[0].Sync(); err != nil {
			return fmt.Errorf("durable: sync %s: %w", files[0].Name(), err)
		}
		return nil
	}
	return syncMany(files)
}

// syncEach fsyncs the files one after another.
func syncEach(files []*os.File) error {
	for _, f := range files {
		if err := f.Sync(); err != nil {
			return fmt.Errorf("durable: sync %s: %w", f.Name(), err)
		}
	}
	return nil
}
