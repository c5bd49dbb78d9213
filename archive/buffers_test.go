package archive

import (
	"testing"
	"unsafe"
)

func TestBufferPoolHandsOutZeroedAlignedBuffers(t *testing.T) {
	for _, size := range []int{0, 1, 63, 64, 65, 1000, 4096, 100_000, 3 << 20} {
		for round := range 3 {
			b := tableMemory.Allocate(size)
			if len(b) != size {
				t.Fatalf("Allocate(%d) has length %d", size, len(b))
			}
			if size > 0 && uintptr(unsafe.Pointer(&b[0]))%64 != 0 {
				t.Errorf("Allocate(%d) is not 64-byte aligned", size)
			}
			for i, v := range b {
				if v != 0 {
					t.Fatalf("round %d: Allocate(%d)[%d] = %d, want 0", round, size, i, v)
				}
			}
			for i := range b[:cap(b)] {
				b[:cap(b)][i] = 0xff // dirty it for the next round
			}
			tableMemory.Free(b)
		}
	}
}

func TestBufferPoolReallocateZeroesWhatItGrowsInto(t *testing.T) {
	b := tableMemory.Allocate(100)
	for i := range b {
		b[i] = byte(i)
	}
	b = tableMemory.Reallocate(40, b)  // shrink in place
	b[:cap(b)][60] = 0xff              // stale byte beyond the length
	b = tableMemory.Reallocate(120, b) // grow in place: cap is 128
	for i, v := range b {
		want := byte(0)
		if i < 40 {
			want = byte(i)
		}
		if v != want {
			t.Fatalf("after growing in place, b[%d] = %d, want %d", i, v, want)
		}
	}
	b = tableMemory.Reallocate(5000, b) // grow into another class
	if len(b) != 5000 || b[39] != 39 || b[40] != 0 || b[4999] != 0 {
		t.Fatalf("after growing out of the class: len %d, b[39] %d, b[40] %d, b[4999] %d", len(b), b[39], b[40], b[4999])
	}
	tableMemory.Free(b)
}

func TestBufferPoolHandsFreedBuffersOutAgain(t *testing.T) {
	// sync.Pool may drop what it is given (the race detector makes it
	// drop a share on purpose), so the same buffer must come back at
	// least once in many rounds, not every time.
	for range 100 {
		b := tableMemory.Allocate(5000)
		tableMemory.Free(b)
		if again := tableMemory.Allocate(5000); &again[0] == &b[0] {
			return
		}
	}
	t.Fatal("a freed buffer was never handed out again")
}

func TestBufferPoolIgnoresBuffersNotItsOwn(t *testing.T) {
	odd := make([]byte, 100) // capacity not a class size
	tableMemory.Free(odd)
	misaligned := make([]byte, 200)[1:129:129] // a class's capacity at an odd address
	tableMemory.Free(misaligned)
	for range 10 {
		b := tableMemory.Allocate(100)
		if &b[0] == &odd[0] || &b[0] == &misaligned[0] {
			t.Fatal("a buffer the pool did not allocate was handed out")
		}
	}
	tableMemory.Free(nil)
	huge := tableMemory.Allocate(1<<maxBufferClass + 1)
	if len(huge) != 1<<maxBufferClass+1 {
		t.Fatalf("huge buffer has length %d", len(huge))
	}
	tableMemory.Free(huge)
	if b := tableMemory.Allocate(100); cap(b) != 128 {
		t.Fatalf("Allocate(100) has capacity %d, want its class's 128", cap(b))
	}
}
