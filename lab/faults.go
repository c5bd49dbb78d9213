package lab

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Faults are the probabilities, per request, of each injected fault.
type Faults struct {
	Throttle float64 // the service's own throttling error
	Error    float64 // HTTP 500 InternalFailure (S3: InternalError)
	Reset    float64 // the connection is closed with no response
	Truncate float64 // headers with the full Content-Length, half the body, then close
}

// Fault names as they appear in Call.Fault and in ParseFaults specs.
const (
	FaultThrottle = "throttle"
	FaultError    = "error"
	FaultReset    = "reset"
	FaultTruncate = "truncate"
)

// ParseFaults parses a spec such as "throttle=0.05,error=0.02,reset=0.01,truncate=0.01".
// An empty spec means no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return f, nil
	}
	for _, item := range strings.Split(spec, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return Faults{}, fmt.Errorf("lab: fault %q: want name=probability", item)
		}
		p, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil || p < 0 || p > 1 || math.IsNaN(p) {
			return Faults{}, fmt.Errorf("lab: fault %q: probability must be a number in [0,1]", item)
		}
		switch strings.TrimSpace(name) {
		case FaultThrottle:
			f.Throttle = p
		case FaultError:
			f.Error = p
		case FaultReset:
			f.Reset = p
		case FaultTruncate:
			f.Truncate = p
		default:
			return Faults{}, fmt.Errorf("lab: unknown fault %q (known: throttle, error, reset, truncate)", name)
		}
	}
	return f, f.validate()
}

func (f Faults) validate() error {
	for _, p := range []float64{f.Throttle, f.Error, f.Reset, f.Truncate} {
		if p < 0 || p > 1 || math.IsNaN(p) {
			return fmt.Errorf("lab: fault probability %v not in [0,1]", p)
		}
	}
	if sum := f.Throttle + f.Error + f.Reset + f.Truncate; sum > 1 {
		return fmt.Errorf("lab: fault probabilities add up to %v, more than 1", sum)
	}
	return nil
}

// String formats the faults as ParseFaults reads them.
func (f Faults) String() string {
	var parts []string
	for _, x := range []struct {
		name string
		p    float64
	}{{FaultThrottle, f.Throttle}, {FaultError, f.Error}, {FaultReset, f.Reset}, {FaultTruncate, f.Truncate}} {
		if x.p > 0 {
			parts = append(parts, x.name+"="+strconv.FormatFloat(x.p, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// faultPlan decides faults deterministically: the decision for a request is
// a function of the seed, the request's content (caller, service, region,
// method, URL, body) and how many identical requests came before it. A run
// that sends the same requests meets the same faults, whatever the
// interleaving of concurrent requests; a retry of a failed request is a
// new draw.
type faultPlan struct {
	f    Faults
	seed int64
	mu   sync.Mutex
	seen map[[32]byte]uint64
}

func newFaultPlan(f Faults, seed int64) *faultPlan {
	return &faultPlan{f: f, seed: seed, seen: map[[32]byte]uint64{}}
}

func (p *faultPlan) decide(c *call) string {
	if p.f == (Faults{}) {
		return ""
	}
	h := sha256.New()
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(p.seed))
	h.Write(buf[:])
	for _, s := range []string{c.auth.AccessKeyID, c.svc.name, c.region, c.r.Method, hostName(c.r), c.r.URL.RequestURI(), c.r.Header.Get("X-Amz-Target")} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write(c.body)
	var key [32]byte
	h.Sum(key[:0])

	p.mu.Lock()
	n := p.seen[key]
	p.seen[key] = n + 1
	p.mu.Unlock()

	binary.BigEndian.PutUint64(buf[:], n)
	draw := sha256.Sum256(append(key[:], buf[:]...))
	u := float64(binary.BigEndian.Uint64(draw[:8])>>11) / (1 << 53)

	for _, x := range []struct {
		name string
		p    float64
	}{{FaultThrottle, p.f.Throttle}, {FaultError, p.f.Error}, {FaultReset, p.f.Reset}, {FaultTruncate, p.f.Truncate}} {
		if u < x.p {
			return x.name
		}
		u -= x.p
	}
	return ""
}

// hostName is the request's host without its port.
func hostName(r *http.Request) string {
	h := r.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}

// hijack takes the connection over from the HTTP server.
func hijack(w http.ResponseWriter) net.Conn {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	return conn
}

// reset closes the connection without answering.
func reset(w http.ResponseWriter) { _ = hijack(w).Close() }

// truncate sends the status line and headers announcing the full body, then
// half of it, then closes the connection.
func truncate(w http.ResponseWriter, resp *response) {
	conn := hijack(w)
	defer conn.Close()
	bw := bufio.NewWriter(conn)
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", resp.status, http.StatusText(resp.status))
	h := resp.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Length", strconv.FormatInt(resp.length(), 10))
	h.Set("Connection", "close")
	_ = h.Write(bw)
	bw.WriteString("\r\n")
	if resp.stream != nil {
		_, _ = io.CopyN(bw, resp.stream, resp.size/2)
	} else {
		bw.Write(resp.body[:len(resp.body)/2])
	}
	_ = bw.Flush()
}
