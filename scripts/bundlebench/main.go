// Command bundlebench writes and verifies large bundles for
// scripts/bench-bundle.sh, and measures the reference it compares them
// with: SHA-256 of the same files on every core.
//
//	bundlebench write -out DIR -bytes N -blob-size M -key KEY [-random]
//	bundlebench verify -key PUB DIR
//	bundlebench sha256 DIR
//
// Each prints one line of key=value figures on stdout.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custodyhq/custody/archive"
	"github.com/custodyhq/custody/schemas"
	"github.com/custodyhq/custody/verify"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bundlebench write|verify|sha256 ...")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "write":
		err = write(os.Args[2:])
	case "verify":
		err = verifyCmd(os.Args[2:])
	case "sha256":
		err = sha256Cmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bundlebench:", err)
		os.Exit(1)
	}
}

// content streams n bytes in which every other byte is random and the
// others follow a short cycle: about as compressible as model weights
// stored in half precision, and generated faster than zstd consumes it.
type content struct {
	rng    *rand.PCG
	left   int64
	i      int
	random bool // every byte random: incompressible, as most model weights are
}

func (c *content) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	if c.random {
		for j := 0; j < len(p); j += 8 {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], c.rng.Uint64())
			copy(p[j:], b[:])
		}
		c.left -= int64(len(p))
		return len(p), nil
	}
	var r uint64
	for j := range p {
		if c.i%2 == 0 {
			if c.i%16 == 0 {
				r = c.rng.Uint64()
			}
			p[j] = byte(r >> (c.i % 16 * 4))
		} else {
			p[j] = 'a' + byte(c.i%7)
		}
		c.i++
	}
	c.left -= int64(len(p))
	return len(p), nil
}

func write(args []string) error {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	out := fs.String("out", "", "bundle directory to create")
	total := fs.Int64("bytes", 4<<30, "raw blob bytes to write")
	size := fs.Int64("blob-size", 64<<20, "bytes per blob")
	key := fs.String("key", "", "signing key")
	random := fs.Bool("random", false, "incompressible blobs instead of half-compressible ones")
	prof := fs.String("cpuprofile", "", "write a CPU profile here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if stop, err := profile(*prof); err != nil {
		return err
	} else {
		defer stop()
	}
	ctx := context.Background()
	signer, _, err := archive.LoadSigner(ctx, *key, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	w, err := archive.Create(*out, archive.WriterOptions{Signer: signer, Actor: "bench@example.com", ToolVersion: "bench"})
	if err != nil {
		return err
	}
	w.SetRun(schemas.Run{Case: "bench", Kind: "evidence", Started: start, Since: start.Add(-time.Hour), Until: start})
	t := schemas.Target{Account: "111111111111", Region: "us-east-1"}
	// Producers in parallel, as a collect run puts objects from many units
	// at once; the writer bounds the encoders.
	n := *total / *size
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, runtime.GOMAXPROCS(0))
	for g := range errs {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < n && errs[g] == nil; i = next.Add(1) - 1 {
				key := "model/shard-" + strconv.FormatInt(i, 10) + ".safetensors"
				errs[g] = w.Put(ctx, schemas.Evidence{
					Kind: schemas.KindS3Object, ObjectID: "s3://models/" + key, ObservedAt: start,
					Unit: schemas.Unit{Source: "kbobjects", ID: "models", Target: t},
					Row:  &schemas.Object{Bucket: "models", Key: key, VersionID: "v1", IsLatest: true, Size: *size, StorageClass: "STANDARD", Operation: "GetObject"},
					Body: &content{rng: rand.NewPCG(uint64(i), 7), left: *size, random: *random},
				})
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		w.Abort()
		return err
	}
	m, err := w.Close(ctx)
	if err != nil {
		return err
	}
	d := time.Since(start).Seconds()
	fmt.Printf("blobs=%d raw_bytes=%d stored_bytes=%d seconds=%.2f raw_MBps=%.1f\n",
		m.Blobs.Count, m.Blobs.RawBytes, m.Blobs.StoredBytes, d, float64(m.Blobs.RawBytes)/d/1e6)
	return nil
}

// profile starts a CPU profile into path, when it is not empty.
func profile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func verifyCmd(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	key := fs.String("key", "", "public key")
	prof := fs.String("cpuprofile", "", "write a CPU profile here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if stop, err := profile(*prof); err != nil {
		return err
	} else {
		defer stop()
	}
	v, err := archive.LoadVerifier(*key)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := verify.Verify(context.Background(), fs.Arg(0), verify.Options{Verifier: v})
	if err != nil {
		return err
	}
	if !r.OK {
		return fmt.Errorf("verification failed: %v", r.Problems)
	}
	d := time.Since(start).Seconds()
	fmt.Printf("files=%d bytes=%d seconds=%.2f MBps=%.1f\n", r.Files, r.Bytes, d, float64(r.Bytes)/d/1e6)
	return nil
}

// sha256Cmd hashes every file of the bundle's manifest on GOMAXPROCS
// goroutines, a file at a time each: what `sha256sum -c` does when run on
// every core, and the most any verifier that reads each file can do.
func sha256Cmd(args []string) error {
	if len(args) != 1 {
		return errors.New("sha256 takes one DIR")
	}
	r, err := archive.Open(args[0])
	if err != nil {
		return err
	}
	files := r.Manifest().Files
	r.Close()
	start := time.Now()
	var next atomic.Int64
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, runtime.GOMAXPROCS(0))
	for g := range errs {
		wg.Go(func() {
			buf := make([]byte, 1<<20)
			for i := next.Add(1) - 1; i < int64(len(files)) && errs[g] == nil; i = next.Add(1) - 1 {
				f, err := os.Open(filepath.Join(args[0], filepath.FromSlash(files[i].Path)))
				if err != nil {
					errs[g] = err
					break
				}
				h := sha256.New()
				n, err := io.CopyBuffer(h, f, buf)
				f.Close()
				if err == nil && fmt.Sprintf("%x", h.Sum(nil)) != files[i].SHA256 {
					err = fmt.Errorf("%s: sha256 mismatch", files[i].Path)
				}
				errs[g] = err
				total.Add(n)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	d := time.Since(start).Seconds()
	fmt.Printf("files=%d bytes=%d seconds=%.2f MBps=%.1f\n", len(files), total.Load(), d, float64(total.Load())/d/1e6)
	return nil
}
