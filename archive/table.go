package archive

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/custodyhq/custody/archive/hashing"
	"github.com/custodyhq/custody/archive/internal/durable"
	"github.com/custodyhq/custody/schemas"
)

// pendingRow is one row on its way to its partition's goroutine.
type pendingRow struct {
	meta schemas.Meta
	row  schemas.Row
	size int64 // schemas.RowBytes
}

// partWriter owns the Parquet files of one (table, account, region). Only
// its goroutine touches its fields until the queue is closed and drained;
// a partition without rows for a while parks: its goroutine ends, and the
// next row starts another.
type partWriter struct {
	w       *Writer
	key     partKey
	dir     string          // relative to the bundle root
	ch      chan pendingRow // nil while parked; guarded by w.mu
	senders atomic.Int32    // between queue and sent
	schema  *arrow.Schema
	files   []File
	rows    int64
	err     error

	next     int // number of the next part file
	tmp      *os.File
	bw       *bufio.Writer
	hw       *hashing.Writer
	fw       *pqarrow.FileWriter
	fileRows int64
	slot     bool // holds one of Writer.files
	rgRows   int64
	rgBytes  int64

	held      []pendingRow // rows not yet written, at most batchRows
	heldBytes int64        // their schemas.RowBytes
}

// PartitionValue escapes a partition value for a hive directory name: bytes
// outside [A-Za-z0-9._-] become %XX, and the empty value is
// __HIVE_DEFAULT_PARTITION__, so no value can name another directory.
func PartitionValue(v string) string {
	if v == "" {
		return "__HIVE_DEFAULT_PARTITION__"
	}
	var b strings.Builder
	onlyDots := strings.Trim(v, ".") == ""
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' && !onlyDots {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// PartitionDir is the directory of a table partition inside a bundle.
func PartitionDir(table string, p Partition) string {
	return path.Join("tables", table, "account="+PartitionValue(p.Account), "region="+PartitionValue(p.Region))
}

// startPartition makes the partition's directory; its goroutine starts with
// its first row.
// The caller holds w.mu.
func (w *Writer) startPartition(k partKey) (*partWriter, error) {
	schema, err := schemas.Schema(k.table)
	if err != nil {
		return nil, err
	}
	p := &partWriter{
		w:      w,
		key:    k,
		dir:    PartitionDir(k.table, Partition{Account: k.account, Region: k.region}),
		schema: schema,
	}
	if err := w.mkdirLocked(filepath.FromSlash(p.dir)); err != nil {
		return nil, err
	}
	return p, nil
}

// queue returns the partition's queue, starting its goroutine if it has
// none, and counts the caller as a sender until it calls sent. The caller
// holds w.mu.
func (p *partWriter) queue() chan<- pendingRow {
	if p.ch == nil {
		p.ch = make(chan pendingRow, partitionQueue)
		p.w.wg.Add(1)
		go p.run(p.ch)
	}
	p.senders.Add(1)
	return p.ch
}

// sent ends what queue began.
func (p *partWriter) sent() { p.senders.Add(-1) }

// park ends the partition's goroutine if nothing is on its way to it: no
// rows held, no file open, no sender between queue and sent, nothing
// queued. The next row starts a new one. A parked partition costs its file
// list and counters only, so thousands of quiet partitions cost little.
func (p *partWriter) park(ch chan pendingRow) bool {
	if p.err != nil || len(p.held) > 0 || p.fw != nil {
		return false
	}
	p.w.mu.Lock()
	defer p.w.mu.Unlock()
	// Senders count themselves under w.mu and leave only after their row
	// is queued, so with none counted an empty queue stays empty. A closed
	// queue is empty too, and everything is written: parking is finishing.
	if p.senders.Load() != 0 || len(ch) != 0 {
		return false
	}
	p.held = nil
	p.ch = nil
	return true
}

// idleClose is how long a partition may go without rows before its pending
// rows are written and its part file is finished, so that a quiet partition
// gives its open-file slot back.
//
// Memory: a collection touches thousands of partitions (tables x accounts x
// regions) at once. A partition holds its pending rows as the rows
// themselves, counted against pendingBudget, and builds Arrow arrays only
// while it flushes them, so an idle partition costs its rows and a
// goroutine, never a set of column builders. An open Parquet file costs
// megabytes (column writers, page buffers, dictionaries), so at most
// Writer.files files are open at a time; a partition that needs one waits
// for a slot, and a partition that holds one finishes its file after each
// flush while others wait. Few partitions keep their files open and write
// large files; many take turns.
const idleClose = 2 * time.Second

func (p *partWriter) run(ch chan pendingRow) {
	defer p.w.wg.Done()
	idle := time.NewTimer(idleClose)
	defer idle.Stop()
	for {
		var r pendingRow
		var ok bool
		select {
		case r, ok = <-ch:
		case <-idle.C:
			if p.err == nil && (len(p.held) > 0 || p.fw != nil) {
				p.fail(p.flush())
				if p.err == nil {
					p.fail(p.closeFile())
				}
			}
			if p.park(ch) {
				return // touch nothing: another goroutine may own p now
			}
			continue
		}
		if !ok {
			break
		}
		idle.Reset(idleClose)
		if p.err != nil {
			continue // drain, so senders never block on a failed partition
		}
		p.held = append(p.held, r)
		p.heldBytes += r.size
		pending := p.w.pending.Add(r.size)
		if len(p.held) >= batchRows || p.heldBytes >= batchBytes || p.fileRows+int64(len(p.held)) >= p.w.o.RowsPerFile ||
			pending > pendingBudget && p.heldBytes >= minBudgetFlush {
			p.fail(p.flush())
		}
	}
	if p.err == nil {
		p.fail(p.flush())
	}
	if p.err == nil {
		p.fail(p.closeFile())
	}
	if p.err != nil && p.tmp != nil {
		p.tmp.Close()
		os.Remove(p.tmp.Name())
	}
	p.releaseSlot()
	p.held = nil
}

func (p *partWriter) fail(err error) {
	if err == nil || p.err != nil {
		return
	}
	p.err = fmt.Errorf("archive: table %s account=%s region=%s: %w", p.key.table, p.key.account, p.key.region, err)
	p.w.setErr(p.err)
}

// writerProps are the Parquet settings of a table's files: each column's
// encoding is declared beside it in schemas (schemas.Encoding). Built once
// per table; the properties are only read by the files' writers.
func writerProps(table string) (*parquet.WriterProperties, error) {
	m, err := tableProps()
	if err != nil {
		return nil, err
	}
	if p, ok := m[table]; ok {
		return p, nil
	}
	return nil, fmt.Errorf("archive: unknown table %q", table)
}

var tableProps = sync.OnceValues(func() (map[string]*parquet.WriterProperties, error) {
	m := map[string]*parquet.WriterProperties{}
	for _, t := range schemas.TableNames() {
		cols, err := schemas.Columns(t)
		if err != nil {
			return nil, err
		}
		opts := []parquet.WriterProperty{
			parquet.WithCompression(compress.Codecs.Zstd),
			parquet.WithRootRepetition(parquet.Repetitions.Required),
			parquet.WithStats(true),
			parquet.WithMaxRowGroupLength(rowGroupRows),
			parquet.WithDictionaryDefault(true),
			parquet.WithCreatedBy(defaultToolName),
			parquet.WithAllocator(tableMemory),
		}
		for _, c := range cols {
			switch c.Encoding {
			case schemas.Distinct:
				// Nor statistics: the least and greatest of values
				// that are all different (records of a kilobyte) prune
				// nothing and would be copied into every footer.
				opts = append(opts, parquet.WithDictionaryFor(c.Name, false), parquet.WithStatsFor(c.Name, false))
			case schemas.Delta:
				enc := parquet.Encodings.DeltaBinaryPacked
				if c.Type == arrow.BinaryTypes.String.String() {
					enc = parquet.Encodings.DeltaLengthByteArray
				}
				opts = append(opts, parquet.WithDictionaryFor(c.Name, false), parquet.WithEncodingFor(c.Name, enc))
			}
		}
		m[t] = parquet.NewWriterProperties(opts...)
	}
	return m, nil
})

// flush writes the pending rows to the current part file, opening one if
// needed and starting new row groups and files at their bounds. The rows'
// Arrow arrays exist only for the duration of the call.
func (p *partWriter) flush() error {
	if len(p.held) == 0 {
		return nil
	}
	// The file first: a partition waiting for an open-file slot keeps its
	// rows as they are rather than as Arrow arrays.
	if p.fw == nil {
		if err := p.openFile(); err != nil {
			return err
		}
	}
	n, size := int64(len(p.held)), p.heldBytes
	p.w.pending.Add(-size)
	rec, err := schemas.NewRecordOf(tableMemory, p.key.table, len(p.held), func(i int) (*schemas.Meta, schemas.Row) {
		return &p.held[i].meta, p.held[i].row
	})
	clear(p.held) // the slice is reused; the rows are not
	p.held, p.heldBytes = p.held[:0], 0
	if err != nil {
		return err
	}
	defer rec.Release()
	if p.rgRows > 0 && (p.rgRows+n > rowGroupRows || p.rgBytes+size > rowGroupBytes) {
		if err := p.fw.NewBufferedRowGroupChecked(); err != nil {
			return err
		}
		p.rgRows, p.rgBytes = 0, 0
	}
	if err := p.fw.WriteBuffered(rec); err != nil {
		return err
	}
	p.rgRows += n
	p.rgBytes += size
	p.fileRows += n
	p.rows += n
	if p.fileRows >= p.w.o.RowsPerFile || p.w.waiting.Load() > 0 {
		return p.closeFile()
	}
	return nil
}

// fileBuffers are the write buffers of part files, reused as files rotate.
// Parquet buffers whole pages already, so they need not be large.
var fileBuffers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// releaseSlot gives back the partition's open-file slot, if it holds one.
func (p *partWriter) releaseSlot() {
	if p.slot {
		p.slot = false
		<-p.w.files
	}
}

func (p *partWriter) openFile() error {
	p.w.waiting.Add(1)
	p.w.files <- struct{}{}
	p.w.waiting.Add(-1)
	p.slot = true
	f, err := os.CreateTemp(filepath.Join(p.w.root, filepath.FromSlash(p.dir)), ".part-*.tmp")
	if err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	p.tmp = f
	p.bw = fileBuffers.Get().(*bufio.Writer)
	p.bw.Reset(f)
	p.hw = hashing.NewWriter(p.bw)
	props, err := writerProps(p.key.table)
	if err != nil {
		return err
	}
	fw, err := pqarrow.NewFileWriter(p.schema, p.hw, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(tableMemory)))
	if err != nil {
		return err
	}
	p.fw = fw
	p.fileRows, p.rgRows, p.rgBytes = 0, 0, 0
	return nil
}

// closeFile finishes the current part file: footer, flush, fsync, rename.
// Its digest and size come from the bytes as they were written.
func (p *partWriter) closeFile() error {
	defer p.releaseSlot()
	if p.fw == nil {
		return nil
	}
	if err := p.fw.Close(); err != nil {
		return err
	}
	p.fw = nil
	err := p.bw.Flush()
	p.bw.Reset(nil)
	fileBuffers.Put(p.bw)
	p.bw = nil
	if err != nil {
		return err
	}
	// What a slot bounds, the file's column writers and buffers, is gone:
	// another partition may open its file while this one waits on the disk.
	// Files waiting on the disk are bounded apart: at the end of a large
	// collection thousands of partitions finish at once, and each would
	// hold a descriptor through its fsync.
	p.releaseSlot()
	name := path.Join(p.dir, fmt.Sprintf("part-%d.parquet", p.next))
	p.next++
	p.w.commits <- struct{}{}
	err = durable.Commit(p.tmp, filepath.Join(p.w.root, filepath.FromSlash(name)))
	<-p.w.commits
	if err != nil {
		p.tmp = nil
		return err
	}
	p.tmp = nil
	p.files = append(p.files, File{
		Path:      name,
		SHA256:    p.hw.Sum(),
		Size:      p.hw.Size(),
		Table:     p.key.table,
		Partition: &Partition{Account: p.key.account, Region: p.key.region},
		Rows:      p.fileRows,
	})
	return nil
}
