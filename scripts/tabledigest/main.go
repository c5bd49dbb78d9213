// Command tabledigest prints, for every table file a bundle's manifest
// lists, one SHA-256 per column over the values arrow-go reads from it, as
// JSON: {"tables/…/part-0.parquet": {"rows": N, "columns": {"event_id":
// "…", …}}}. interop/hyparquet computes the same digests with a Parquet
// reader written independently of arrow-go and compares the two, value by
// value in effect.
//
// Each value is one line: "n" for null, "s" and the base64 of a string's
// bytes, "i" and the decimal of an integer or a timestamp's count of its
// unit, "f" and the hexadecimal IEEE 754 bits of a float ("fnan" for any
// NaN), "b1" or "b0".
//
// Usage: tabledigest BUNDLE_DIR
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/custodyhq/custody/archive"
)

type fileDigest struct {
	Rows    int64             `json:"rows"`
	Columns map[string]string `json:"columns"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tabledigest BUNDLE_DIR")
		os.Exit(2)
	}
	out, err := digestBundle(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tabledigest:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "tabledigest:", err)
		os.Exit(1)
	}
}

// digestBundle digests every file the manifest lists with a table. The
// manifest is read with custody's own reader; the values are not.
func digestBundle(dir string) (map[string]fileDigest, error) {
	r, err := archive.Open(dir)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := map[string]fileDigest{}
	for _, f := range r.Manifest().Files {
		if f.Table == "" {
			continue
		}
		d, err := digestFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		out[f.Path] = d
	}
	return out, nil
}

// digestFile reads one Parquet file with pqarrow and digests each column.
func digestFile(path string) (fileDigest, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return fileDigest{}, err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8192}, memory.DefaultAllocator)
	if err != nil {
		return fileDigest{}, err
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		return fileDigest{}, err
	}
	defer rr.Release()
	schema := rr.Schema()
	hs := make([]hash.Hash, schema.NumFields())
	for i := range hs {
		hs[i] = sha256.New()
	}
	var rows int64
	for rr.Next() {
		rec := rr.RecordBatch()
		rows += rec.NumRows()
		for i, col := range rec.Columns() {
			if err := writeValues(hs[i], col); err != nil {
				return fileDigest{}, fmt.Errorf("column %s: %w", schema.Field(i).Name, err)
			}
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return fileDigest{}, err
	}
	d := fileDigest{Rows: rows, Columns: map[string]string{}}
	for i, h := range hs {
		d.Columns[schema.Field(i).Name] = hex.EncodeToString(h.Sum(nil))
	}
	return d, nil
}

// writeValues writes the canonical line of each of col's values to h.
func writeValues(h io.Writer, col arrow.Array) error {
	var line []byte
	for j := range col.Len() {
		line = line[:0]
		if col.IsNull(j) {
			line = append(line, 'n')
		} else {
			switch a := col.(type) {
			case *array.String:
				line = append(line, 's')
				line = base64.StdEncoding.AppendEncode(line, []byte(a.Value(j)))
			case *array.Int64:
				line = strconv.AppendInt(append(line, 'i'), a.Value(j), 10)
			case *array.Int32:
				line = strconv.AppendInt(append(line, 'i'), int64(a.Value(j)), 10)
			case *array.Timestamp:
				line = strconv.AppendInt(append(line, 'i'), int64(a.Value(j)), 10)
			case *array.Float64:
				if v := a.Value(j); math.IsNaN(v) {
					line = append(line, "fnan"...) // readers need not keep a NaN's payload
				} else {
					line = strconv.AppendUint(append(line, 'f'), math.Float64bits(v), 16)
				}
			case *array.Boolean:
				if a.Value(j) {
					line = append(line, "b1"...)
				} else {
					line = append(line, "b0"...)
				}
			default:
				return fmt.Errorf("no canonical form for %s", col.DataType())
			}
		}
		line = append(line, '\n')
		if _, err := h.Write(line); err != nil {
			return err
		}
	}
	return nil
}
