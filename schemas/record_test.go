package schemas_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/custodyhq/custody/schemas"
)

// fill sets every field of the struct v points to from i: the value, or for
// pointer and time fields every third i, null.
func fill(v reflect.Value, i int) {
	v = v.Elem()
	for f := range v.NumField() {
		fv := v.Field(f)
		null := (i+f)%3 == 0
		switch fv.Interface().(type) {
		case string:
			fv.SetString(fmt.Sprintf("%s-%d-%x", v.Type().Field(f).Name, i, i*f))
		case *string:
			if !null {
				s := fmt.Sprint("s", i*f)
				fv.Set(reflect.ValueOf(&s))
			}
		case int64, int32:
			fv.SetInt(int64(i*1000 - f))
		case *int64:
			if !null {
				n := int64(-i * f)
				fv.Set(reflect.ValueOf(&n))
			}
		case bool:
			fv.SetBool(null)
		case *bool:
			if !null {
				b := i%2 == 0
				fv.Set(reflect.ValueOf(&b))
			}
		case float64:
			fv.SetFloat(float64(i) / 3)
		case time.Time:
			if !null {
				fv.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, i*1000, time.UTC)))
			}
		}
	}
}

// NewRecordOf must build, column by column, the record Batch.Append builds
// row by row, for every table and column type, nulls included.
func TestNewRecordOfMatchesBatch(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	for _, table := range schemas.TableNames() {
		const n = 50
		metas := make([]schemas.Meta, n)
		rows := make([]schemas.Row, n)
		b, err := schemas.NewBatch(mem, table)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			fill(reflect.ValueOf(&metas[i]), i)
			rows[i] = schemas.NewRow(table)
			fill(reflect.ValueOf(rows[i]), i+1)
			if err := b.Append(metas[i], rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		want := b.NewRecord()
		b.Release()
		got, err := schemas.NewRecordOf(mem, table, n, func(i int) (*schemas.Meta, schemas.Row) { return &metas[i], rows[i] })
		if err != nil {
			t.Fatal(err)
		}
		if !array.RecordEqual(got, want) {
			t.Errorf("%s: NewRecordOf differs from Batch:\n%v\nwant\n%v", table, got, want)
		}
		if got.Column(0).NullN() != 0 || want.NumRows() != n {
			t.Errorf("%s: %d rows", table, want.NumRows())
		}
		got.Release()
		want.Release()
	}
	other := []schemas.Row{&schemas.Object{}}
	if _, err := schemas.NewRecordOf(mem, schemas.TableCloudTrailEvents, 1, func(i int) (*schemas.Meta, schemas.Row) { return &schemas.Meta{}, other[i] }); err == nil {
		t.Error("row of another table accepted")
	}
	if _, err := schemas.NewRecordOf(mem, schemas.TableCloudTrailEvents, 1, func(int) (*schemas.Meta, schemas.Row) { return &schemas.Meta{}, (*schemas.CloudTrailEvent)(nil) }); err == nil {
		t.Error("nil row accepted")
	}
}

func TestColumnEncodings(t *testing.T) {
	cols, err := schemas.Columns(schemas.TableCloudTrailEvents)
	if err != nil {
		t.Fatal(err)
	}
	enc := map[string]schemas.Encoding{}
	for _, c := range cols {
		enc[c.Name] = c.Encoding
	}
	for name, want := range map[string]schemas.Encoding{"event_id": schemas.Delta, "raw": schemas.Distinct, "event_name": schemas.Dictionary, "record_index": schemas.Delta} {
		if enc[name] != want {
			t.Errorf("%s: encoding %q, want %q", name, enc[name], want)
		}
	}
}

// A CloudTrail row's evidence_object_id is null when it is the row's event
// id, and every object id reads back as it was given, the empty one too.
func TestObjectIDStoredOnce(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	rows := []schemas.Row{
		&schemas.CloudTrailEvent{EventID: "e1"},
		&schemas.CloudTrailEvent{EventID: "e2"},
		&schemas.CloudTrailEvent{EventID: "e3"},
		&schemas.CloudTrailEvent{},
	}
	metas := []schemas.Meta{{ObjectID: "e1"}, {ObjectID: "other"}, {}, {}}
	wantNull := []bool{true, false, false, true}
	for _, columnwise := range []bool{false, true} {
		var rec arrow.RecordBatch
		if columnwise {
			r, err := schemas.NewRecordOf(mem, schemas.TableCloudTrailEvents, len(rows), func(i int) (*schemas.Meta, schemas.Row) { return &metas[i], rows[i] })
			if err != nil {
				t.Fatal(err)
			}
			rec = r
		} else {
			b, err := schemas.NewBatch(mem, schemas.TableCloudTrailEvents)
			if err != nil {
				t.Fatal(err)
			}
			for i := range rows {
				if err := b.Append(metas[i], rows[i]); err != nil {
					t.Fatal(err)
				}
			}
			rec = b.NewRecord()
			b.Release()
		}
		col := rec.Column(rec.Schema().FieldIndices(schemas.ObjectIDColumn)[0])
		for i, null := range wantNull {
			if col.IsNull(i) != null {
				t.Errorf("columnwise %v, row %d: null %v, want %v", columnwise, i, col.IsNull(i), null)
			}
		}
		i := 0
		err := schemas.DecodeRows(schemas.TableCloudTrailEvents, rec, func(m schemas.Meta, _ schemas.Row) error {
			if m.ObjectID != metas[i].ObjectID {
				t.Errorf("columnwise %v, row %d: object id %q, want %q", columnwise, i, m.ObjectID, metas[i].ObjectID)
			}
			i++
			return nil
		})
		if err != nil || i != len(rows) {
			t.Fatalf("%d rows, %v", i, err)
		}
		rec.Release()
	}
	// Other tables have no id column: their object ids are never null.
	b, err := schemas.NewBatch(mem, schemas.TableObjects)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	b.Append(schemas.Meta{}, &schemas.Object{})
	rec := b.NewRecord()
	defer rec.Release()
	if rec.Column(rec.Schema().FieldIndices(schemas.ObjectIDColumn)[0]).NullN() != 0 {
		t.Error("objects: null object id")
	}
}

// BenchmarkRecord builds records of 2,000 CloudTrail rows row by row
// (Batch.Append) and column by column (NewRecordOf), in the same run.
func BenchmarkRecord(b *testing.B) {
	const n = 2000
	metas := make([]schemas.Meta, n)
	rows := make([]schemas.Row, n)
	for i := range n {
		fill(reflect.ValueOf(&metas[i]), i)
		rows[i] = schemas.NewRow(schemas.TableCloudTrailEvents)
		fill(reflect.ValueOf(rows[i]), i+1)
	}
	b.Run("rows", func(b *testing.B) {
		for b.Loop() {
			bt, _ := schemas.NewBatch(nil, schemas.TableCloudTrailEvents)
			for i := range n {
				bt.Append(metas[i], rows[i])
			}
			bt.NewRecord().Release()
			bt.Release()
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("columns", func(b *testing.B) {
		for b.Loop() {
			rec, err := schemas.NewRecordOf(nil, schemas.TableCloudTrailEvents, n, func(i int) (*schemas.Meta, schemas.Row) { return &metas[i], rows[i] })
			if err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
	b.Run("decode", func(b *testing.B) {
		rec, err := schemas.NewRecordOf(nil, schemas.TableCloudTrailEvents, n, func(i int) (*schemas.Meta, schemas.Row) { return &metas[i], rows[i] })
		if err != nil {
			b.Fatal(err)
		}
		defer rec.Release()
		b.ReportAllocs()
		for b.Loop() {
			if err := schemas.DecodeRows(schemas.TableCloudTrailEvents, rec, func(schemas.Meta, schemas.Row) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(n*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	})
}

// TestDecodeRowsRoundTripsEveryTable: every column of every table, of
// every type, null or not, reads back into the field it was written from.
func TestDecodeRowsRoundTripsEveryTable(t *testing.T) {
	const n = 50
	for _, table := range schemas.TableNames() {
		metas := make([]schemas.Meta, n)
		rows := make([]schemas.Row, n)
		for i := range n {
			fill(reflect.ValueOf(&metas[i]), i)
			rows[i] = schemas.NewRow(table)
			fill(reflect.ValueOf(rows[i]), i+1)
		}
		rec, err := schemas.NewRecordOf(nil, table, n, func(i int) (*schemas.Meta, schemas.Row) { return &metas[i], rows[i] })
		if err != nil {
			t.Fatal(err)
		}
		i := 0
		err = schemas.DecodeRows(table, rec, func(m schemas.Meta, row schemas.Row) error {
			if !reflect.DeepEqual(m, metas[i]) {
				t.Errorf("%s row %d: meta\n%+v\nwant\n%+v", table, i, m, metas[i])
			}
			if !reflect.DeepEqual(row, rows[i]) {
				t.Errorf("%s row %d:\n%+v\nwant\n%+v", table, i, row, rows[i])
			}
			i++
			return nil
		})
		rec.Release()
		if err != nil || i != n {
			t.Fatalf("%s: %d rows decoded, %v", table, i, err)
		}
	}
}
