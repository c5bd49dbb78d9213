package schemas

import (
	"fmt"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
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
			a.Release()
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
		cols[j] = buildColumn(mem, c, bases)
	}
	return array.NewRecordBatch(p.schema, cols, int64(n)), nil
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
func buildColumn(mem memory.Allocator, c *column, bases []unsafe.Pointer) arrow.Array {
	n := len(bases)
	field := func(i int) unsafe.Pointer { return unsafe.Add(bases[i], c.offset) }
	switch c.typ {
	case colString, colStringPtr:
		total := 0
		for i := range bases {
			if c.typ == colString {
				total += len(*(*string)(field(i)))
			} else if s := *(**string)(field(i)); s != nil {
				total += len(*s)
			}
		}
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(n)
		b.ReserveData(total)
		for i := range bases {
			appendValue(b, c.typ, field(i))
		}
		return b.NewArray()
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
		return b.NewArray()
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
		return b.NewArray()
	}
	// The rest (int32, bool, float64) are rare and small.
	dt, _ := c.typ.arrow()
	b := array.NewBuilder(mem, dt)
	defer b.Release()
	b.Reserve(n)
	for i := range bases {
		appendValue(b, c.typ, field(i))
	}
	return b.NewArray()
}
