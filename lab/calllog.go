package lab

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// Call is one request the server answered.
type Call struct {
	Time      time.Time `json:"time"`
	Service   string    `json:"service"`
	Operation string    `json:"operation"`
	Account   string    `json:"account,omitempty"`
	Region    string    `json:"region,omitempty"`
	Status    int       `json:"status"` // 0 when the connection was reset
	Fault     string    `json:"fault,omitempty"`
	Mutating  bool      `json:"mutating,omitempty"`
	RequestID string    `json:"request_id,omitempty"`
}

// callLog keeps every call and writes each as a JSON line.
type callLog struct {
	mu    sync.Mutex
	w     io.Writer
	calls []Call
}

func newCallLog(w io.Writer) *callLog { return &callLog{w: w} }

func (l *callLog) add(c Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, c)
	if l.w != nil {
		b, err := json.Marshal(c)
		if err == nil {
			_, _ = l.w.Write(append(b, '\n'))
		}
	}
}

func (l *callLog) all() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Call, len(l.calls))
	copy(out, l.calls)
	return out
}
