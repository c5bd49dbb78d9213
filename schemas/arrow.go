package schemas

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// colType is a Go field type the reflection supports.
type colType int

const (
	colString colType = iota
	colStringPtr
	colInt64
	colInt64Ptr
	colInt32
	colBool
	colBoolPtr
	colFloat64
	colTime
)

// timestampType is the Arrow type of every time column: microseconds, UTC.
var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// Column describes one column of a table, as BUNDLE.md lists it.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"` // Arrow type: utf8, int64, int32, bool, float64, timestamp[us, tz=UTC]
	Nullable bool   `json:"nullable"`
	Go       string `json:"go"` // the Go field, Struct.Field
}

type column struct {
	name  string
	meta  bool  // from Meta rather than the row
	index []int // reflect field index
	typ   colType
	goRef string
}

var (
	typeString  = reflect.TypeFor[string]()
	typeStrPtr  = reflect.TypeFor[*string]()
	typeInt64   = reflect.TypeFor[int64]()
	typeI64Ptr  = reflect.TypeFor[*int64]()
	typeInt32   = reflect.TypeFor[int32]()
	typeBool    = reflect.TypeFor[bool]()
	typeBoolPtr = reflect.TypeFor[*bool]()
	typeFloat64 = reflect.TypeFor[float64]()
	typeTime    = reflect.TypeFor[time.Time]()
)

func classify(t reflect.Type) (colType, bool) {
	switch t {
	case typeString:
		return colString, true
	case typeStrPtr:
		return colStringPtr, true
	case typeInt64:
		return colInt64, true
	case typeI64Ptr:
		return colInt64Ptr, true
	case typeInt32:
		return colInt32, true
	case typeBool:
		return colBool, true
	case typeBoolPtr:
		return colBoolPtr, true
	case typeFloat64:
		return colFloat64, true
	case typeTime:
		return colTime, true
	}
	return 0, false
}

func (c colType) arrow() (arrow.DataType, bool) {
	switch c {
	case colString:
		return arrow.BinaryTypes.String, false
	case colStringPtr:
		return arrow.BinaryTypes.String, true
	case colInt64:
		return arrow.PrimitiveTypes.Int64, false
	case colInt64Ptr:
		return arrow.PrimitiveTypes.Int64, true
	case colInt32:
		return arrow.PrimitiveTypes.Int32, false
	case colBool:
		return arrow.FixedWidthTypes.Boolean, false
	case colBoolPtr:
		return arrow.FixedWidthTypes.Boolean, true
	case colFloat64:
		return arrow.PrimitiveTypes.Float64, false
	default: // colTime: the zero time is null
		return timestampType, true
	}
}

func structColumns(t reflect.Type, meta bool) ([]column, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("schemas: %s is not a struct", t)
	}
	var cols []column
	for i := range t.NumField() {
		f := t.Field(i)
		name, ok := f.Tag.Lookup("col")
		if !ok || name == "-" {
			continue
		}
		ct, ok := classify(f.Type)
		if !ok {
			return nil, fmt.Errorf("schemas: %s.%s: unsupported column type %s", t.Name(), f.Name, f.Type)
		}
		cols = append(cols, column{name: name, meta: meta, index: f.Index, typ: ct, goRef: t.Name() + "." + f.Name})
	}
	return cols, nil
}

// plan is the column layout of one table: Meta's columns, then the row's.
type plan struct {
	table   string
	rowType reflect.Type // the struct type, not the pointer
	cols    []column
	schema  *arrow.Schema
}

// plans holds the plan of every table, built once: plans are immutable, and
// a writer makes a batch per partition, hundreds at a time.
var plans = sync.OnceValues(func() (map[string]*plan, error) {
	m := map[string]*plan{}
	for _, t := range TableNames() {
		p, err := buildPlan(t)
		if err != nil {
			return nil, err
		}
		m[t] = p
	}
	return m, nil
})

func planFor(table string) (*plan, error) {
	m, err := plans()
	if err != nil {
		return nil, err
	}
	if p, ok := m[table]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("schemas: unknown table %q", table)
}

func buildPlan(table string) (*plan, error) {
	row := NewRow(table)
	if row == nil {
		return nil, fmt.Errorf("schemas: unknown table %q", table)
	}
	mc, err := structColumns(reflect.TypeFor[Meta](), true)
	if err != nil {
		return nil, err
	}
	rt := reflect.TypeOf(row).Elem()
	rc, err := structColumns(rt, false)
	if err != nil {
		return nil, err
	}
	p := &plan{table: table, rowType: rt, cols: append(mc, rc...)}
	seen := make(map[string]string, len(p.cols))
	fields := make([]arrow.Field, len(p.cols))
	for i, c := range p.cols {
		if prev, dup := seen[c.name]; dup {
			return nil, fmt.Errorf("schemas: table %s: column %q of %s repeats %s", table, c.name, c.goRef, prev)
		}
		seen[c.name] = c.goRef
		dt, nullable := c.typ.arrow()
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: nullable}
	}
	md := arrow.NewMetadata([]string{"custody.table", "custody.format_version"}, []string{table, fmt.Sprint(FormatVersion)})
	p.schema = arrow.NewSchema(fields, &md)
	return p, nil
}

// Schema returns the Arrow schema of a table: the Meta columns, then the
// columns of the table's row struct, in field order.
func Schema(table string) (*arrow.Schema, error) {
	p, err := planFor(table)
	if err != nil {
		return nil, err
	}
	return p.schema, nil
}

// Columns describes a table's columns, for documentation and checks.
func Columns(table string) ([]Column, error) {
	p, err := planFor(table)
	if err != nil {
		return nil, err
	}
	out := make([]Column, len(p.cols))
	for i, c := range p.cols {
		f := p.schema.Field(i)
		out[i] = Column{Name: c.name, Type: f.Type.String(), Nullable: f.Nullable, Go: c.goRef}
	}
	return out, nil
}

// Batch accumulates rows of one table as Arrow arrays. It is not safe for
// concurrent use.
type Batch struct {
	p     *plan
	b     *array.RecordBuilder
	n     int
	bytes int64
}

// NewBatch returns an empty batch for a table.
func NewBatch(mem memory.Allocator, table string) (*Batch, error) {
	p, err := planFor(table)
	if err != nil {
		return nil, err
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &Batch{p: p, b: array.NewRecordBuilder(mem, p.schema)}, nil
}

// Schema is the batch's Arrow schema.
func (b *Batch) Schema() *arrow.Schema { return b.p.schema }

// Len is the number of rows appended since the last NewRecord.
func (b *Batch) Len() int { return b.n }

// Bytes approximates the memory the pending rows take.
func (b *Batch) Bytes() int64 { return b.bytes }

// Append adds one row. The row's table must be the batch's.
func (b *Batch) Append(m Meta, row Row) error {
	if row == nil {
		return fmt.Errorf("schemas: nil row for table %s", b.p.table)
	}
	rv := reflect.ValueOf(row)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Type() != b.p.rowType {
		return fmt.Errorf("schemas: table %s: row type %T, want *%s", b.p.table, row, b.p.rowType.Name())
	}
	rv = rv.Elem()
	mv := reflect.ValueOf(&m).Elem()
	for i, c := range b.p.cols {
		v := rv
		if c.meta {
			v = mv
		}
		b.bytes += appendValue(b.b.Field(i), c.typ, v.FieldByIndex(c.index))
	}
	b.n++
	return nil
}

// RowBytes approximates the memory a row takes in a batch, as Batch.Bytes
// counts it, without building anything: writers use it to bound the rows
// they hold before building Arrow arrays from them.
func RowBytes(m Meta, row Row) (int64, error) {
	if row == nil {
		return 0, errors.New("schemas: nil row")
	}
	p, err := planFor(row.Table())
	if err != nil {
		return 0, err
	}
	rv := reflect.ValueOf(row)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Type() != p.rowType {
		return 0, fmt.Errorf("schemas: table %s: row type %T, want *%s", p.table, row, p.rowType.Name())
	}
	rv = rv.Elem()
	mv := reflect.ValueOf(&m).Elem()
	var n int64
	for _, c := range p.cols {
		v := rv
		if c.meta {
			v = mv
		}
		n += valueBytes(c.typ, v.FieldByIndex(c.index))
	}
	return n, nil
}

// valueBytes is what appendValue adds to Batch.Bytes for a value.
func valueBytes(t colType, v reflect.Value) int64 {
	switch t {
	case colString:
		return int64(v.Len()) + 4
	case colStringPtr:
		if v.IsNil() {
			return 1
		}
		return int64(v.Elem().Len()) + 4
	case colInt32:
		return 4
	case colBool, colBoolPtr:
		return 1
	}
	return 8
}

func appendValue(fb array.Builder, t colType, v reflect.Value) int64 {
	switch t {
	case colString:
		s := v.String()
		fb.(*array.StringBuilder).Append(s)
		return int64(len(s)) + 4
	case colStringPtr:
		if v.IsNil() {
			fb.AppendNull()
			return 1
		}
		s := v.Elem().String()
		fb.(*array.StringBuilder).Append(s)
		return int64(len(s)) + 4
	case colInt64:
		fb.(*array.Int64Builder).Append(v.Int())
	case colInt64Ptr:
		if v.IsNil() {
			fb.AppendNull()
		} else {
			fb.(*array.Int64Builder).Append(v.Elem().Int())
		}
	case colInt32:
		fb.(*array.Int32Builder).Append(int32(v.Int()))
		return 4
	case colBool:
		fb.(*array.BooleanBuilder).Append(v.Bool())
		return 1
	case colBoolPtr:
		if v.IsNil() {
			fb.AppendNull()
		} else {
			fb.(*array.BooleanBuilder).Append(v.Elem().Bool())
		}
		return 1
	case colFloat64:
		fb.(*array.Float64Builder).Append(v.Float())
	case colTime:
		t := v.Interface().(time.Time)
		if t.IsZero() {
			fb.AppendNull()
		} else {
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
		}
	}
	return 8
}

// NewRecord returns the pending rows as a record and resets the batch. The
// caller releases the record.
func (b *Batch) NewRecord() arrow.RecordBatch {
	b.n, b.bytes = 0, 0
	return b.b.NewRecordBatch()
}

// Release frees the batch's builders.
func (b *Batch) Release() { b.b.Release() }

// DecodeRows turns a record of a table back into Meta and row structs, in
// order. Columns are matched by name; a column the record lacks leaves the
// field zero, and a column of the wrong type is an error.
func DecodeRows(table string, rec arrow.RecordBatch, fn func(m Meta, row Row) error) error {
	p, err := planFor(table)
	if err != nil {
		return err
	}
	sc := rec.Schema()
	cols := make([]arrow.Array, len(p.cols))
	for i, c := range p.cols {
		idx := sc.FieldIndices(c.name)
		if len(idx) == 0 {
			continue
		}
		want, _ := c.typ.arrow()
		if got := sc.Field(idx[0]).Type; !arrow.TypeEqual(got, want) {
			return fmt.Errorf("schemas: table %s: column %s is %s, want %s", table, c.name, got, want)
		}
		cols[i] = rec.Column(idx[0])
	}
	for r := range int(rec.NumRows()) {
		var m Meta
		rp := reflect.New(p.rowType)
		mv, rv := reflect.ValueOf(&m).Elem(), rp.Elem()
		for i, c := range p.cols {
			a := cols[i]
			if a == nil || a.IsNull(r) {
				continue
			}
			v := rv
			if c.meta {
				v = mv
			}
			setValue(v.FieldByIndex(c.index), c.typ, a, r)
		}
		if err := fn(m, rp.Interface().(Row)); err != nil {
			return err
		}
	}
	return nil
}

func setValue(f reflect.Value, t colType, a arrow.Array, r int) {
	switch t {
	case colString:
		f.SetString(a.(*array.String).Value(r))
	case colStringPtr:
		s := a.(*array.String).Value(r)
		f.Set(reflect.ValueOf(&s))
	case colInt64:
		f.SetInt(a.(*array.Int64).Value(r))
	case colInt64Ptr:
		n := a.(*array.Int64).Value(r)
		f.Set(reflect.ValueOf(&n))
	case colInt32:
		f.SetInt(int64(a.(*array.Int32).Value(r)))
	case colBool:
		f.SetBool(a.(*array.Boolean).Value(r))
	case colBoolPtr:
		b := a.(*array.Boolean).Value(r)
		f.Set(reflect.ValueOf(&b))
	case colFloat64:
		f.SetFloat(a.(*array.Float64).Value(r))
	case colTime:
		ts := a.(*array.Timestamp).Value(r)
		f.Set(reflect.ValueOf(time.UnixMicro(int64(ts)).UTC()))
	}
}
