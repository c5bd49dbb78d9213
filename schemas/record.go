package schemas

import (
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// NewRecordOf builds one record of a table from n rows, column by column:
// at(i) gives the i-th row and its envelope columns. Each column's buffers
// are sized once from the rows, so no builder grows, copies or clears
// memory as values arrive; a writer that holds rows until it flushes builds
// its arrays this way. The caller releases the record.
func NewRecordOf(mem memory.Allocator, table string, n int, at func(i int) (*Meta, Row)) (arrow.RecordBatch, error) {
	p, err := planFor(table)
	if err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	metas := make([]unsafe.Pointer, n)
	rows := make([]unsafe.Pointer, n)
	for i := range n {
		m, row := at(i)
		if m == nil {
			return nil, fmt.Errorf("schemas: table %s: row %d has no envelope", table, i)
		}
		rp, err := p.rowPointer(row)
		if err != nil {
			return nil, err
		}
		metas[i], rows[i] = unsafe.Pointer(m), rp
	}
	cols := make([]arrow.Array, len(p.cols))
	defer func() {
		for _, a := range cols {
			if a != nil { // nil after an error
				a.Release()
			}
		}
	}()
	for j := range p.cols {
		c := &p.cols[j]
		bases := rows
		if c.meta {
			bases = metas
		}
		if j == p.objectID && p.rowID >= 0 {
			cols[j] = buildObjectIDs(mem, p, metas, rows)
			continue
		}
		if cols[j], err = buildColumn(mem, c, bases); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(p.schema, cols, int64(n)), nil
}

// buildStrings makes a string column: the values' bytes copied once into a
// buffer of their total size, their offsets beside them, and a validity
// bitmap only if some value is null.
func buildStrings(mem memory.Allocator, c *column, bases []unsafe.Pointer) (arrow.Array, error) {
	n := len(bases)
	value := func(i int) (string, bool) {
		f := unsafe.Add(bases[i], c.offset)
		if c.typ == colString {
			return *(*string)(f), true
		}
		if s := *(**string)(f); s != nil {
			return *s, true
		}
		return "", false
	}
	total, nulls := 0, 0
	for i := range bases {
		s, ok := value(i)
		total += len(s)
		if !ok {
			nulls++
		}
	}
	if total > math.MaxInt32 {
		// Offsets are 32 bits; a writer's batch is megabytes.
		return nil, fmt.Errorf("schemas: column %s: %d bytes in one record", c.name, total)
	}
	offsets := memory.NewResizableBuffer(mem)
	offsets.Resize((n + 1) * arrow.Int32SizeBytes)
	data := memory.NewResizableBuffer(mem)
	data.Resize(total)
	var valid *memory.Buffer
	var bits []byte
	if nulls > 0 {
		valid = memory.NewResizableBuffer(mem)
		valid.Resize(int(bitutil.BytesForBits(int64(n))))
		bits = valid.Bytes()
		clear(bits)
	}
	off, d, pos := arrow.Int32Traits.CastFromBytes(offsets.Bytes()), data.Bytes(), 0
	for i := range bases {
		off[i] = int32(pos)
		s, ok := value(i)
		if !ok {
			continue
		}
		pos += copy(d[pos:], s)
		if bits != nil {
			bitutil.SetBit(bits, i)
		}
	}
	off[n] = int32(pos)
	ad := array.NewData(arrow.BinaryTypes.String, n, []*memory.Buffer{valid, offsets, data}, nil, nulls, 0)
	defer ad.Release()
	for _, b := range []*memory.Buffer{valid, offsets, data} {
		if b != nil {
			b.Release()
		}
	}
	return array.NewStringData(ad), nil
}

// buildObjectIDs makes the ObjectIDColumn of a table whose rows have an id
// column: null where a row's object id is its own id.
func buildObjectIDs(mem memory.Allocator, p *plan, metas, rows []unsafe.Pointer) arrow.Array {
	c := &p.cols[p.objectID]
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(len(metas))
	for i, mp := range metas {
		if p.ownID(mp, rows[i]) {
			b.AppendNull()
		} else {
			b.Append(*(*string)(unsafe.Add(mp, c.offset)))
		}
	}
	return b.NewArray()
}

// buildColumn makes the array of one column from the structs at bases.
func buildColumn(mem memory.Allocator, c *column, bases []unsafe.Pointer) (arrow.Array, error) {
	n := len(bases)
	field := func(i int) unsafe.Pointer { return unsafe.Add(bases[i], c.offset) }
	switch c.typ {
	case colString, colStringPtr:
		return buildStrings(mem, c, bases)
	case colInt64, colInt64Ptr:
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(n)
		for i := range bases {
			if c.typ == colInt64 {
				b.UnsafeAppend(*(*int64)(field(i)))
			} else if v := *(**int64)(field(i)); v != nil {
				b.UnsafeAppend(*v)
			} else {
				b.UnsafeAppendBoolToBitmap(false)
			}
		}
		return b.NewArray(), nil
	case colTime:
		b := array.NewTimestampBuilder(mem, timestampType)
		defer b.Release()
		b.Reserve(n)
		for i := range bases {
			if t := (*time.Time)(field(i)); t.IsZero() {
				b.UnsafeAppendBoolToBitmap(false)
			} else {
				b.UnsafeAppend(arrow.Timestamp(t.UnixMicro()))
			}
		}
		return b.NewArray(), nil
	}
	// The rest (int32, bool, float64) are rare and small.
	dt, _ := c.typ.arrow()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.Reserve(n)
	for i := range bases {
		appendValue(b, c.typ, field(i))
	}
	return b.NewArray(), nil
}
