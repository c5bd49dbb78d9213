package archive

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// tableMemory is the allocator tables are built and written with. Arrow
// allocates new buffers for every column of every batch, and the Parquet
// writer for every page it encodes and compresses: without reuse that was
// half of everything the table writer allocated and the reason for most of
// its time in the garbage collector. Buffers Arrow releases come back to a
// pool per power-of-two size class and are handed out again, zeroed as
// Go's own allocations are.
//
// It is for writing only. The rows schemas.DecodeRows returns hold strings
// that alias the Arrow buffers they were read from (array.String.Value
// does not copy), so the buffers a reader allocates must never be reused
// while rows live: readers use Go's allocator.
var tableMemory memory.Allocator = bufferPool{}

type bufferPool struct{}

const (
	minBufferClass = 6  // 64 bytes, Arrow's alignment
	maxBufferClass = 26 // 64 MiB; larger buffers are left to the GC
)

// bufferClasses hold free buffers by size class, each as a pointer to its
// first byte: a pointer goes into a sync.Pool without an allocation, and
// the class gives the length back.
var bufferClasses [maxBufferClass + 1]sync.Pool

// bufferClass is the size class that holds size bytes.
func bufferClass(size int) int {
	if size <= 1<<minBufferClass {
		return minBufferClass
	}
	return bits.Len(uint(size - 1))
}

// Allocate returns size zeroed bytes. A pooled buffer's capacity is its
// class's size: Go places allocations of a power of two of at least 64
// bytes at addresses that are multiples of 64, as Arrow wants.
func (bufferPool) Allocate(size int) []byte {
	c := bufferClass(size)
	if c > maxBufferClass {
		return make([]byte, size)
	}
	if p, ok := bufferClasses[c].Get().(*byte); ok {
		b := unsafe.Slice(p, 1<<c)[:size]
		clear(b)
		return b
	}
	return make([]byte, size, 1<<c)
}

// Reallocate grows or shrinks b to size, in place when its capacity
// allows; bytes it grows into are zero.
func (a bufferPool) Reallocate(size int, b []byte) []byte {
	if cap(b) >= size {
		if size > len(b) {
			clear(b[len(b):size])
		}
		return b[:size]
	}
	nb := a.Allocate(size)
	copy(nb, b)
	a.Free(b)
	return nb
}

// Free takes back a buffer Allocate or Reallocate returned. Arrow frees a
// buffer when the last reference to it is released; nothing of Arrow's or
// custody's reads a released array.
func (bufferPool) Free(b []byte) {
	c := bits.Len(uint(cap(b))) - 1
	if c < minBufferClass || c > maxBufferClass || cap(b) != 1<<c {
		return // not one of the pool's
	}
	p := unsafe.SliceData(b[:1])
	if uintptr(unsafe.Pointer(p))%(1<<minBufferClass) != 0 {
		return // a class's size but not its alignment: not one of the pool's
	}
	if poisonFreed.Load() {
		full := b[:cap(b)]
		for i := range full {
			full[i] = poison
		}
	}
	bufferClasses[c].Put(p)
}

// poisonFreed, set by tests, makes Free overwrite every buffer it takes
// back, so that anything still reading a freed buffer reads poison rather
// than its old values.
var poisonFreed atomic.Bool

const poison = 0xa5
