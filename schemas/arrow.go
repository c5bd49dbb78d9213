package schemas

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

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
	Name     string   `json:"name"`
	Type     string   `json:"type"` // Arrow type: utf8, int64, int32, bool, float64, timestamp[us, tz=UTC]
	Nullable bool     `json:"nullable"`
	Go       string   `json:"go"`       // the Go field, Struct.Field
	Encoding Encoding `json:"encoding"` // how its Parquet pages store values
	// Since is the format version that added the column (tag option
	// "since=N"); 0 for columns every version has.
	Since int `json:"since,omitempty"`
}

// Encoding is how a column's values are laid out in Parquet pages, declared
// next to the column as an option of its tag: `col:"name,distinct"`. Every
// encoding reads back the exact values; they differ in size and speed only.
type Encoding string

const (
	// Dictionary (the default, no option): a dictionary page of the
	// distinct values, then indexes. Suits columns with few distinct values
	// (names, regions, accounts, ARNs of a few principals).
	Dictionary Encoding = "dictionary"
	// Distinct (option "distinct"): PLAIN, no dictionary. For columns whose
	// values are nearly all different (the raw record), where a dictionary
	// is built, hashed into and abandoned for every page.
	Distinct Encoding = "distinct"
	// Plain (booleans, which take no option): PLAIN, one bit a value.
	// Parquet has no dictionary encoding for booleans.
	Plain Encoding = "plain"
	// Delta (option "delta"): no dictionary; DELTA_BINARY_PACKED for
	// integers and timestamps (sequences: event times, record indexes),
	// DELTA_LENGTH_BYTE_ARRAY for strings (identifiers of one length, whose
	// lengths then take nothing and whose characters compress together).
	Delta Encoding = "delta"
)

type column struct {
	name   string
	meta   bool    // from Meta rather than the row
	offset uintptr // byte offset of the field in its struct
	typ    colType
	enc    Encoding
	rowID  bool // the row's own id (tag option "id"), see ObjectIDColumn
	since  int  // the format version that added the column, 0 for the first
	goRef  string
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
		tag, ok := f.Tag.Lookup("col")
		if !ok || tag == "-" {
			continue
		}
		ct, ok := classify(f.Type)
		if !ok {
			return nil, fmt.Errorf("schemas: %s.%s: unsupported column type %s", t.Name(), f.Name, f.Type)
		}
		name, opts, _ := strings.Cut(tag, ",")
		enc, rowID, since := Dictionary, false, 0
		for _, opt := range strings.Split(opts, ",") {
			if v, ok := strings.CutPrefix(opt, "since="); ok {
				n, err := strconv.Atoi(v)
				if err != nil || n < 2 || n > FormatVersion {
					return nil, fmt.Errorf("schemas: %s.%s: bad column option %q", t.Name(), f.Name, opt)
				}
				since = n
				continue
			}
			switch opt {
			case "":
			case string(Distinct), string(Delta):
				enc = Encoding(opt)
			case "id":
				rowID = !meta && ct == colString
				if !rowID {
					return nil, fmt.Errorf("schemas: %s.%s: only a string column of a row can be its id", t.Name(), f.Name)
				}
			default:
				return nil, fmt.Errorf("schemas: %s.%s: unknown column option %q", t.Name(), f.Name, opt)
			}
		}
		if ct == colBool || ct == colBoolPtr {
			if enc != Dictionary {
				return nil, fmt.Errorf("schemas: %s.%s: booleans take no encoding option", t.Name(), f.Name)
			}
			enc = Plain
		}
		if enc == Delta && ct == colFloat64 {
			return nil, fmt.Errorf("schemas: %s.%s: no delta encoding for %s", t.Name(), f.Name, f.Type)
		}
		cols = append(cols, column{name: name, meta: meta, offset: f.Offset, typ: ct, enc: enc, rowID: rowID, since: since, goRef: t.Name() + "." + f.Name})
	}
	return cols, nil
}

// plan is the column layout of one table: Meta's columns, then the row's.
type plan struct {
	table   string
	rowType reflect.Type // the struct type, not the pointer
	ptrType reflect.Type // *rowType, the type of the table's Row values
	// objectID is the index of the envelope's ObjectIDColumn in cols;
	// rowID that of the row's own id column, or -1 if the table has none.
	objectID, rowID int
	cols            []column
	schema          *arrow.Schema
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
	p := &plan{table: table, rowType: rt, ptrType: reflect.TypeOf(row), cols: append(mc, rc...), objectID: -1, rowID: -1}
	seen := make(map[string]string, len(p.cols))
	fields := make([]arrow.Field, len(p.cols))
	for i, c := range p.cols {
		if prev, dup := seen[c.name]; dup {
			return nil, fmt.Errorf("schemas: table %s: column %q of %s repeats %s", table, c.name, c.goRef, prev)
		}
		seen[c.name] = c.goRef
		dt, nullable := c.typ.arrow()
		switch {
		case c.meta && c.name == ObjectIDColumn:
			p.objectID, nullable = i, true
		case c.rowID && p.rowID >= 0:
			return nil, fmt.Errorf("schemas: table %s: two id columns, %s and %s", table, p.cols[p.rowID].goRef, c.goRef)
		case c.rowID:
			p.rowID = i
		}
		fields[i] = arrow.Field{Name: c.name, Type: dt, Nullable: nullable}
	}
	if p.objectID < 0 || p.cols[p.objectID].typ != colString {
		return nil, fmt.Errorf("schemas: Meta has no string column %s", ObjectIDColumn)
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
	return ColumnsIn(table, FormatVersion)
}

// ColumnsIn describes a table's columns as a bundle of the given format
// version has them: without the columns later versions added.
func ColumnsIn(table string, version int) ([]Column, error) {
	p, err := planFor(table)
	if err != nil {
		return nil, err
	}
	out := make([]Column, 0, len(p.cols))
	for i, c := range p.cols {
		if c.since > version {
			continue
		}
		f := p.schema.Field(i)
		out = append(out, Column{Name: c.name, Type: f.Type.String(), Nullable: f.Nullable, Go: c.goRef, Encoding: c.enc, Since: c.since})
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
	rp, err := b.p.rowPointer(row)
	if err != nil {
		return err
	}
	mp := unsafe.Pointer(&m)
	for i := range b.p.cols {
		c := &b.p.cols[i]
		base := rp
		if c.meta {
			base = mp
		}
		if i == b.p.objectID && b.p.ownID(mp, rp) {
			b.b.Field(i).AppendNull()
			b.bytes++
			continue
		}
		b.bytes += appendValue(b.b.Field(i), c.typ, unsafe.Add(base, c.offset))
	}
	b.n++
	return nil
}

// ObjectIDColumn is the envelope column of Meta.ObjectID. In a table whose
// row has an id column (tag option "id": cloudtrail_events' event_id), it is
// null where the object id is that column's value, so the id is stored
// once; DecodeRows gives Meta.ObjectID back in full. Any other value, the
// empty string included, is stored as is.
const ObjectIDColumn = "evidence_object_id"

// RowIDColumn names the column of a table's rows that holds their own id
// (tag option "id"), or is "" for a table without one or an unknown table.
func RowIDColumn(table string) string {
	p, err := planFor(table)
	if err != nil || p.rowID < 0 {
		return ""
	}
	return p.cols[p.rowID].name
}

// ownID reports whether the Meta at mp names the row at rp by the row's own
// id column, so that its ObjectIDColumn is stored as null.
func (p *plan) ownID(mp, rp unsafe.Pointer) bool {
	if p.rowID < 0 {
		return false
	}
	own := *(*string)(unsafe.Add(rp, p.cols[p.rowID].offset))
	return *(*string)(unsafe.Add(mp, p.cols[p.objectID].offset)) == own
}

// rowPointer returns the address of the struct a row of the plan's table
// points to.
func (p *plan) rowPointer(row Row) (unsafe.Pointer, error) {
	if row == nil {
		return nil, fmt.Errorf("schemas: nil row for table %s", p.table)
	}
	if reflect.TypeOf(row) != p.ptrType {
		return nil, fmt.Errorf("schemas: table %s: row type %T, want *%s", p.table, row, p.rowType.Name())
	}
	rp := reflect.ValueOf(row).UnsafePointer()
	if rp == nil {
		return nil, fmt.Errorf("schemas: table %s: nil *%s", p.table, p.rowType.Name())
	}
	return rp, nil
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
	rp, err := p.rowPointer(row)
	if err != nil {
		return 0, err
	}
	mp := unsafe.Pointer(&m)
	var n int64
	for i := range p.cols {
		c := &p.cols[i]
		base := rp
		if c.meta {
			base = mp
		}
		if i == p.objectID && p.ownID(mp, rp) {
			n++
			continue
		}
		n += valueBytes(c.typ, unsafe.Add(base, c.offset))
	}
	return n, nil
}

// valueBytes is what appendValue adds to Batch.Bytes for the value of type
// t at f.
func valueBytes(t colType, f unsafe.Pointer) int64 {
	switch t {
	case colString:
		return int64(len(*(*string)(f))) + 4
	case colStringPtr:
		if s := *(**string)(f); s != nil {
			return int64(len(*s)) + 4
		}
		return 1
	case colInt32:
		return 4
	case colBool, colBoolPtr:
		return 1
	}
	return 8
}

// appendValue appends the value of type t at f, a field of a row or Meta
// struct whose type classify checked when the plan was built.
func appendValue(fb array.Builder, t colType, f unsafe.Pointer) int64 {
	switch t {
	case colString:
		fb.(*array.StringBuilder).Append(*(*string)(f))
	case colStringPtr:
		if s := *(**string)(f); s != nil {
			fb.(*array.StringBuilder).Append(*s)
		} else {
			fb.AppendNull()
		}
	case colInt64:
		fb.(*array.Int64Builder).Append(*(*int64)(f))
	case colInt64Ptr:
		if v := *(**int64)(f); v != nil {
			fb.(*array.Int64Builder).Append(*v)
		} else {
			fb.AppendNull()
		}
	case colInt32:
		fb.(*array.Int32Builder).Append(*(*int32)(f))
	case colBool:
		fb.(*array.BooleanBuilder).Append(*(*bool)(f))
	case colBoolPtr:
		if v := *(**bool)(f); v != nil {
			fb.(*array.BooleanBuilder).Append(*v)
		} else {
			fb.AppendNull()
		}
	case colFloat64:
		fb.(*array.Float64Builder).Append(*(*float64)(f))
	case colTime:
		if t := (*time.Time)(f); t.IsZero() {
			fb.AppendNull()
		} else {
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(t.UnixMicro()))
		}
	}
	return valueBytes(t, f)
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
		base, mbase := rp.UnsafePointer(), unsafe.Pointer(&m)
		for i, c := range p.cols {
			a := cols[i]
			if a == nil || a.IsNull(r) {
				continue
			}
			b := base
			if c.meta {
				b = mbase
			}
			setValue(unsafe.Add(b, c.offset), c.typ, a, r)
		}
		if a := cols[p.objectID]; a != nil && a.IsNull(r) && p.rowID >= 0 {
			m.ObjectID = *(*string)(unsafe.Add(base, p.cols[p.rowID].offset))
		}
		if err := fn(m, rp.Interface().(Row)); err != nil {
			return err
		}
	}
	return nil
}

// setValue stores row r of a at f, a field of a row or Meta struct whose
// type classify matched to t when the plan was built (as appendValue reads
// them). Strings alias a's buffer, as array.String.Value does.
func setValue(f unsafe.Pointer, t colType, a arrow.Array, r int) {
	switch t {
	case colString:
		*(*string)(f) = a.(*array.String).Value(r)
	case colStringPtr:
		s := a.(*array.String).Value(r)
		*(**string)(f) = &s
	case colInt64:
		*(*int64)(f) = a.(*array.Int64).Value(r)
	case colInt64Ptr:
		n := a.(*array.Int64).Value(r)
		*(**int64)(f) = &n
	case colInt32:
		*(*int32)(f) = a.(*array.Int32).Value(r)
	case colBool:
		*(*bool)(f) = a.(*array.Boolean).Value(r)
	case colBoolPtr:
		v := a.(*array.Boolean).Value(r)
		*(**bool)(f) = &v
	case colFloat64:
		*(*float64)(f) = a.(*array.Float64).Value(r)
	case colTime:
		*(*time.Time)(f) = time.UnixMicro(int64(a.(*array.Timestamp).Value(r))).UTC()
	}
}
