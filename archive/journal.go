package archive

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/custodyhq/custody/schemas"
)

// journalName is the file, inside the .partial's temporary directory,
// where the writer notes every body it has stored durably. It never
// reaches a sealed bundle; it lets a run that was killed before sealing be
// continued without fetching again what it had already preserved (see
// Salvage).
const journalName = "journal.jsonl"

// journalEntry is one line of the journal: a body stored as a blob, what
// it was and how it was obtained, and the row that described it.
type journalEntry struct {
	ObjectID   string             `json:"id"`
	Kind       string             `json:"kind"`
	Claimed    string             `json:"claimed,omitempty"`
	SHA256     string             `json:"sha256"` // of the raw content
	Size       int64              `json:"size"`
	Path       string             `json:"path"` // the blob, relative to the bundle root
	Provenance schemas.Provenance `json:"provenance"`
	Observed   time.Time          `json:"observed"`
	Row        json.RawMessage    `json:"row,omitempty"`
}

// journalLine is the journal's line for a stored body, or nil when the
// evidence has no id to find it by.
func journalLine(e schemas.Evidence, f File) []byte {
	if e.ObjectID == "" {
		return nil
	}
	var row json.RawMessage
	if e.Row != nil {
		var err error
		if row, err = json.Marshal(e.Row); err != nil {
			row = nil
		}
	}
	line, err := json.Marshal(journalEntry{
		ObjectID: e.ObjectID, Kind: e.Kind, Claimed: e.Claimed,
		SHA256: f.RawSHA256, Size: f.RawSize, Path: f.Path,
		Provenance: e.Provenance, Observed: e.ObservedAt, Row: row,
	})
	if err != nil {
		return nil
	}
	return append(line, '\n')
}

// appendJournal appends a line for a body already durable as a blob. A
// journal that cannot be written costs only the ability to continue a
// killed run, so failures are logged and the journal is given up, never
// the bundle.
func (w *Writer) appendJournal(line []byte) {
	if line == nil {
		return
	}
	w.jmu.Lock()
	defer w.jmu.Unlock()
	if w.jfailed {
		return
	}
	if w.jf == nil {
		var err error
		w.jf, err = os.OpenFile(filepath.Join(w.root, tmpDirName, journalName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			w.jfailed = true
			w.log.Warn("journal of stored bodies unavailable; a killed run could not be continued", "err", err)
			return
		}
	}
	// One write per line: a process killed mid-way leaves at most a torn
	// last line, which Salvage ignores.
	if _, err := w.jf.Write(line); err != nil {
		w.jfailed = true
		w.log.Warn("journal of stored bodies unavailable; a killed run could not be continued", "err", err)
	}
}

// closeJournal closes the journal file, if one was opened.
func (w *Writer) closeJournal() {
	w.jmu.Lock()
	defer w.jmu.Unlock()
	if w.jf != nil {
		w.jf.Close()
		w.jf = nil
	}
	w.jfailed = true
}
