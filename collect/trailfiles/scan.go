// Package trailfiles reads CloudTrail log files, as trails deliver them to
// S3 or as a responder exported them, into the cloudtrail_events table:
// each file kept byte-exact as a blob, each of its records a row pointing
// to it (via "trail-file", blob_sha256, record_index, raw_offset,
// raw_size), and each file validated against CloudTrail's digest files.
//
// What is kept when a file is not whole or not clean:
//   - A file cut short (a truncated gzip stream or JSON) is stored as
//     delivered; the records before the cut are rows as usual, the record
//     at the cut is a row with parsed = false holding the bytes up to the
//     cut, and the file is a gap with cause "truncated" giving its sha256
//     and how many records were kept.
//   - A record that is not valid JSON, or not an object, is a row with
//     parsed = false and its bytes in raw; it is counted in the file's
//     validation row.
//   - A whole record that parses is kept once, in the file's blob: its row
//     has an empty raw and points to the record's bytes (raw_offset,
//     raw_size), invalid UTF-8 and all. A record kept in raw (cut short, not
//     an object) has bytes that are not UTF-8 as U+FFFD, since a Parquet
//     string must be UTF-8; the blob keeps them exactly.
//   - A file that is not a log file at all is stored and is a gap with
//     cause "unparsable".
//
// Every row is partitioned by the account and region of the file's prefix
// (AWSLogs/[<org id>/]<account>/CloudTrail/<region>/); files are chosen by
// the delivery time in their names, from the window's start to an hour
// past its end, and every record of a chosen file is a row.
package trailfiles

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// ErrTruncated is returned when a file ends inside its records: the
// records before the cut were delivered, the one at the cut was not whole.
var ErrTruncated = errors.New("trailfiles: the file ends inside its records")

// ErrNoRecords is returned for JSON that has no top-level "Records" array.
var ErrNoRecords = errors.New(`trailfiles: no top-level "Records" array`)

// scanner splits a CloudTrail log file, {"Records":[…]}, into its records
// without decoding them: each record's bytes are passed on exactly as the
// file holds them, invalid UTF-8 and all, so a record that does not parse
// is still delimited and kept. Memory is bounded by the largest record.
type scanner struct {
	depth     int
	inStr     bool
	esc       bool
	key       []byte
	lastKey   string
	inRecs    bool // inside the Records array (depth 2 is its elements)
	sawRecs   bool
	recsDone  bool
	rec       []byte
	inRec     bool
	scalarRec bool
	fed       int64 // bytes fed before the current buffer
	recAt     int64 // where the current record began in the content
}

// Records calls fn with each record of the CloudTrail log file r, in
// order, and the offset of its first byte in r. It returns ErrTruncated
// when r ends inside the Records array, after passing the partial record at
// the cut (whole=false) to fn, and ErrNoRecords when r holds no top-level
// Records array. The slice passed to fn is reused: fn must copy what it
// keeps.
func Records(r io.Reader, fn func(raw []byte, off int64, whole bool) error) error {
	br := bufio.NewReaderSize(r, 256<<10)
	var s scanner
	buf := make([]byte, 256<<10)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			if e := s.feed(buf[:n], fn); e != nil {
				return e
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			if s.sawRecs && !s.recsDone {
				if len(s.rec) > 0 {
					if e := fn(s.rec, s.recAt, false); e != nil {
						return e
					}
				}
				return errors.Join(ErrTruncated, err)
			}
			return err
		}
	}
	switch {
	case s.sawRecs && !s.recsDone:
		if len(s.rec) > 0 {
			if e := fn(s.rec, s.recAt, false); e != nil {
				return e
			}
		}
		return ErrTruncated
	case !s.sawRecs:
		return ErrNoRecords
	}
	return nil
}

func (s *scanner) feed(b []byte, fn func([]byte, int64, bool) error) error {
	defer func() { s.fed += int64(len(b)) }()
	start := -1 // where the current record began in b
	if s.inRec {
		start = 0
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if s.inStr {
			if !s.esc && s.depth != 1 {
				// Inside a value's string: only a quote or a backslash
				// matters.
				j := quoteOrEscape(b[i:])
				if j < 0 {
					break
				}
				i += j
				c = b[i]
			}
			switch {
			case s.esc:
				s.esc = false
				s.keyByte(c)
			case c == '\\':
				s.esc = true
				s.keyByte(c)
			case c == '"':
				s.inStr = false
				if s.depth == 1 {
					s.lastKey = string(s.key)
				}
			default:
				s.keyByte(c)
			}
			continue
		}
		if s.inRecs && s.depth == 2 && !s.inRec {
			switch c {
			case ' ', '\t', '\r', '\n', ',':
				continue
			case ']':
				s.inRecs, s.recsDone = false, true
				s.depth--
				continue
			}
			s.inRec, start, s.recAt = true, i, s.fed+int64(i)
			s.scalarRec = c != '{' && c != '['
		}
		if s.scalarRec {
			// A record that is not an object: it ends at the next
			// separator; a string value is read as a whole.
			switch c {
			case ',', ']', ' ', '\t', '\r', '\n':
				s.rec = append(s.rec, b[start:i]...)
				if err := fn(s.rec, s.recAt, true); err != nil {
					return err
				}
				s.rec, s.inRec, s.scalarRec, start = s.rec[:0], false, false, -1
				i-- // the separator is read again outside the record
				continue
			case '"':
				s.inStr = true
			}
			continue
		}
		switch c {
		case '"':
			s.inStr = true
			if s.depth == 1 {
				s.key = s.key[:0]
			}
		case '{', '[':
			if s.depth == 1 && c == '[' && s.lastKey == "Records" && !s.sawRecs {
				s.inRecs, s.sawRecs = true, true
			}
			s.depth++
		case '}', ']':
			s.depth--
			if s.inRec && s.depth == 2 {
				rec := b[start : i+1]
				if len(s.rec) > 0 { // begun in an earlier buffer
					s.rec = append(s.rec, rec...)
					rec = s.rec
				}
				if err := fn(rec, s.recAt, true); err != nil {
					return err
				}
				s.rec, s.inRec, start = s.rec[:0], false, -1
			}
		}
	}
	if s.inRec && start >= 0 {
		s.rec = append(s.rec, b[start:]...)
	}
	return nil
}

// quoteOrEscape is the index of the first '"' or '\\' in b, or -1.
func quoteOrEscape(b []byte) int {
	q := bytes.IndexByte(b, '"')
	end := q
	if q < 0 {
		end = len(b)
	}
	if e := bytes.IndexByte(b[:end], '\\'); e >= 0 {
		return e
	}
	return q
}

// keyByte keeps the start of a string read at the top level, where the
// keys are.
func (s *scanner) keyByte(c byte) {
	if s.depth == 1 && len(s.key) < 64 {
		s.key = append(s.key, c)
	}
}
