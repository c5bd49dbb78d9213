package main

import (
	"fmt"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/custodyhq/custody/lab"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"custody": func() { os.Exit(custody()) },
	})
}

// The lab every script talks to, started once in the test process; the
// custody commands of the scripts run as subprocesses and reach it over
// loopback. Quotas are off here: their behaviour has its own tests, and
// the scripts test the command line.
var (
	labOnce sync.Once
	labURL  string
	labSrv  *lab.Server
	labErr  error
)

func startLab() {
	labSrv, labErr = lab.New(lab.Options{Scenario: lab.Builtin(lab.BuiltinOptions{}), NoQuotas: true})
	if labErr == nil {
		labURL, labErr = labSrv.Start("127.0.0.1:0")
	}
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			labOnce.Do(startLab)
			if labErr != nil {
				return labErr
			}
			r := labSrv.Responder()
			since, until := labSrv.Scenario().Window()
			e.Setenv("AWS_ENDPOINT_URL", labURL)
			e.Setenv("AWS_ACCESS_KEY_ID", r.AccessKeyID)
			e.Setenv("AWS_SECRET_ACCESS_KEY", r.SecretAccessKey)
			e.Setenv("AWS_REGION", r.Region)
			e.Setenv("AWS_CONFIG_FILE", e.WorkDir+"/no-aws-config")
			e.Setenv("AWS_SHARED_CREDENTIALS_FILE", e.WorkDir+"/no-aws-credentials")
			e.Setenv("SINCE", since.Format(time.RFC3339))
			e.Setenv("UNTIL", until.Format(time.RFC3339))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"flipbyte": flipByte,
			"receipt":  receipt,
		},
	})
}

// receipt VAR sets VAR to the head that the last custody handoff printed.
func receipt(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: receipt VAR")
	}
	m := regexp.MustCompile(`(?m)^head: ([0-9a-f]{64})$`).FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("no head in the last stdout")
	}
	ts.Setenv(args[0], m[1])
}

// flipbyte FILE OFFSET flips the bits of one byte; a negative offset
// counts from the end.
func flipByte(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: flipbyte FILE OFFSET")
	}
	path := ts.MkAbs(args[0])
	b, err := os.ReadFile(path)
	ts.Check(err)
	var off int
	_, err = fmt.Sscan(args[1], &off)
	ts.Check(err)
	if off < 0 {
		off += len(b)
	}
	if off < 0 || off >= len(b) {
		ts.Fatalf("offset %d outside %s (%d bytes)", off, path, len(b))
	}
	b[off] ^= 0xff
	ts.Check(os.WriteFile(path, b, 0o644))
}
