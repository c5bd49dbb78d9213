//go:build !linux

package durable

import "os"

// syncMany fsyncs the files one by one where no call flushes them together.
func syncMany(files []*os.File) error { return syncEach(files) }
