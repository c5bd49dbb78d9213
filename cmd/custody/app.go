package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// Exit statuses.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitVerifyFail  = 3
	exitDrift       = 4
	exitInterrupted = 130
)

const exitStatusHelp = `EXIT STATUS:
   0 ok, 1 error, 2 usage, 3 verification failed, 4 baseline drift, 130 interrupted`

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errVerifyFailed: the bundle was checked and is not intact.
var errVerifyFailed = errors.New("verification failed")

// errDrift: the bundle differs from the baseline.
var errDrift = errors.New("drift")

// errInterrupted: the run was stopped by a signal after sealing what it had.
var errInterrupted = errors.New("interrupted")

// exitCode maps an error to the process exit status.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, errVerifyFailed):
		return exitVerifyFail
	case errors.Is(err, errDrift):
		return exitDrift
	case errors.Is(err, errInterrupted), errors.Is(err, context.Canceled):
		return exitInterrupted
	}
	return exitError
}

// env is what commands may touch of the process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	app := newApp(e)
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err != nil {
		fmt.Fprintf(stderr, "custody: %v\n", err)
	}
	return exitCode(err)
}

func newApp(e *env) *cli.App {
	return &cli.App{
		Name:      "custody",
		Usage:     "acquire, seal and verify evidence of incidents on generative-AI workloads in AWS",
		Version:   version(),
		Writer:    e.stdout,
		ErrWriter: e.stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "log format on stderr: text or json", EnvVars: []string{"CUSTODY_LOG_FORMAT"}},
			&cli.StringFlag{Name: "log-level", Value: "warn", Usage: "debug, info, warn or error", EnvVars: []string{"CUSTODY_LOG_LEVEL"}},
		},
		Before: func(c *cli.Context) error {
			l, err := newLogger(e.stderr, c.String("log-format"), c.String("log-level"))
			if err != nil {
				return usageError{err}
			}
			e.log = l
			return nil
		},
		Commands: []*cli.Command{
			demoCommand(e),
			collectCommand(e),
			ingestCommand(e),
			verifyCommand(e),
			reportCommand(e),
			inspectCommand(e),
			packCommand(e),
			handoffCommand(e),
			keygenCommand(e),
			labCommand(e),
			baselineCommand(e),
			diffCommand(e),
			signModelCommand(e),
			verifyModelCommand(e),
		},
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		CustomAppHelpTemplate: cli.AppHelpTemplate + "\n" + exitStatusHelp + "\n",
	}
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: %w", level, err)
	}
	o := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, o)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, o)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// version is the module version, or "devel" in a source build.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// withUsageErrors marks a command's flag errors as usage errors.
func withUsageErrors(cmd *cli.Command) *cli.Command {
	cmd.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	if cmd.CustomHelpTemplate == "" {
		cmd.CustomHelpTemplate = cli.CommandHelpTemplate + "\n" + exitStatusHelp + "\n"
	}
	return cmd
}

// interspersed are the commands whose flags may follow their arguments,
// as their usage shows them (custody diff BASELINE --live --org).
var interspersed = []string{"diff", "baseline from"}

// flagsFirst moves the flags of an interspersed command ahead of its
// arguments, where the flag parser looks for them. Everything after "--"
// stays an argument.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	n := 2
	if cmd != nil && len(args) > 2 && cmd.Subcommands != nil {
		if sub := cmd.Command(args[2]); sub != nil {
			cmd, n = sub, 3
		}
	}
	if cmd == nil || !slices.Contains(interspersed, strings.Join(args[1:n], " ")) {
		return args
	}
	var flags, rest []string
	for i := n; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			rest = append(rest, args[i:]...)
			i = len(args)
		case len(a) > 1 && a[0] == '-':
			flags = append(flags, a)
			if !strings.Contains(a, "=") && takesValue(cmd, strings.TrimLeft(a, "-")) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(append(slices.Clone(args[:n]), flags...), rest...)
}

// takesValue says whether a command's flag reads the next argument.
func takesValue(cmd *cli.Command, name string) bool {
	for _, f := range cmd.Flags {
		if slices.Contains(f.Names(), name) {
			_, isBool := f.(*cli.BoolFlag)
			return !isBool
		}
	}
	return false
}
