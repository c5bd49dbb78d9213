package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// custodyRun runs the command line in process and returns its exit status
// and output.
func custodyRun(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := run(context.Background(), append([]string{"custody"}, args...), strings.NewReader(""), &out, &out)
	return code, out.String()
}

func TestModelCommands(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	if err := os.MkdirAll(filepath.Join(model, "weights"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"config.json": "{}", "weights/w.bin": "weights"} {
		if err := os.WriteFile(filepath.Join(model, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	k, other := filepath.Join(dir, "k"), filepath.Join(dir, "other")
	for _, p := range []string{k, other} {
		if code, out := custodyRun(t, "keygen", "--no-passphrase", p); code != 0 {
			t.Fatal(out)
		}
	}
	sig := filepath.Join(model, "model.sig")

	steps := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"sign-model", model, "--key", k + ".key"}, 0, "2 files"},
		{[]string{"sign-model", model, "--key", k + ".key"}, 2, "exists"},
		{[]string{"verify-model", model, "--signature", sig, "--key", k + ".pub"}, 0, "OK"},
		{[]string{"verify-model", "--json", "--key", k + ".pub", "--signature", sig, model}, 0, `"ok": true`},
		{[]string{"verify-model", model, "--signature", sig, "--key", other + ".pub"}, 3, "PROBLEM signature: signed by another key"},
		{[]string{"verify-model", model, "--key", k + ".pub"}, 2, "--signature is required"},
		{[]string{"verify-model", model, "--signature", sig}, 2, "--key"},
		{[]string{"verify-model", model, "--signature", sig, "--nope"}, 2, "not defined"},
		{[]string{"verify-model", model, "--signature", filepath.Join(dir, "absent.sig"), "--key", k + ".pub"}, 1, "absent.sig"},
		{[]string{"verify-model", filepath.Join(dir, "absent"), "--signature", sig, "--key", k + ".pub"}, 1, "absent"},
	}
	for _, s := range steps {
		code, out := custodyRun(t, s.args...)
		if code != s.code || !strings.Contains(out, s.out) {
			t.Fatalf("%v: exit %d, want %d; output:\n%s", s.args, code, s.code, out)
		}
	}

	if err := os.WriteFile(filepath.Join(model, "weights/w.bin"), []byte("weightz"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out := custodyRun(t, "verify-model", model, "--signature", sig, "--key", k+".pub")
	if code != 3 || !strings.Contains(out, "PROBLEM changed: weights/w.bin") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, out := custodyRun(t, "sign-model", model, "--key", k+".key", "--force"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, out := custodyRun(t, "verify-model", model, "--signature", sig, "--key", k+".pub"); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
