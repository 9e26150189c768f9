package steps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[execStep]("exec",
		scenarios.Shorthand("command"),
		scenarios.Doc("run a command on the host (a string runs with sh -c); $CATTLE is the cattle binary and CATTLE_SANDBOX names the sandbox",
			`exec: "$CATTLE instances ls"`))
}

type execStep struct {
	Command  commandLine        `yaml:"command,required"`
	Env      map[string]string  `yaml:"env" default:"none: cattle's own environment"`
	Timeout  scenarios.Duration `yaml:"timeout" default:"60s"`
	ExitCode int                `yaml:"exit_code" default:"0"`
	// Output, when set, must appear in what the command prints.
	Output string `yaml:"output" default:"none: not checked"`
}

// commandLine is a command: a string for sh -c, or a list of arguments.
type commandLine []string

func (c *commandLine) DecodeYAML(d *scenarios.Decoder, n ast.Node) error {
	if s, ok := scenarios.ScalarText(n); ok {
		if strings.TrimSpace(s) == "" {
			return d.Errorf(n, "%s is empty", d.Where())
		}
		*c = commandLine{"sh", "-c", s}
		return nil
	}
	var args []string
	if err := d.Decode(n, &args); err != nil {
		return err
	}
	if len(args) == 0 || args[0] == "" {
		return d.Errorf(n, "%s is empty", d.Where())
	}
	*c = args
	return nil
}

// maxExecOutput bounds what is kept of a command's output.
const maxExecOutput = 64 << 10

func (s *execStep) Execute(ctx context.Context, r *scenarios.Run) error {
	ctx, cancel := context.WithTimeout(ctx, orDefault(s.Timeout, scenarios.Duration(defaultExecTimeout)).D())
	defer cancel()
	cmd := exec.CommandContext(ctx, s.Command[0], s.Command[1:]...)
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = append(os.Environ(), "CATTLE="+r.Binary, "CATTLE_SANDBOX="+r.Sandbox, "CATTLE_STATE_DIR="+r.StateDir)
	for k, v := range s.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out limitedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		code = exitErr.ExitCode()
	case err != nil:
		return fmt.Errorf("running %s: %w", s.Command[0], err)
	}
	for _, line := range tail(out.String(), 5) {
		r.Notef("| %s", line)
	}
	if code != s.ExitCode {
		return fmt.Errorf("exited %d, want %d; output ends: %s", code, s.ExitCode, strings.Join(tail(out.String(), 5), " | "))
	}
	if s.Output != "" && !strings.Contains(out.String(), s.Output) {
		return fmt.Errorf("output has no %q; it ends: %s", s.Output, strings.Join(tail(out.String(), 5), " | "))
	}
	return nil
}

// limitedBuffer keeps the first maxExecOutput bytes and drops the rest.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := maxExecOutput - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func tail(s string, n int) []string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
