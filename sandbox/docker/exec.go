package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// Exec runs cmd inside a running container and waits for it. A command
// that runs and fails is not an error: its exit code and output are the
// result. A command the engine cannot start (no such file) comes back the
// way a shell reports it: exit code 126 or 127 and the engine's message as output.
func (r *Runtime) Exec(ctx context.Context, id string, cmd []string) (sandbox.ExecResult, error) {
	if len(cmd) == 0 {
		return sandbox.ExecResult{}, fmt.Errorf("exec in container %s: the command is empty", id)
	}
	what := fmt.Sprintf("exec %q in container %s", strings.Join(cmd, " "), id)
	created, err := r.cli.ExecCreate(ctx, id, client.ExecCreateOptions{
		Cmd:          cmd,
		AttachStdout: true,
		AttachStderr: true,
	})
	if err != nil {
		return sandbox.ExecResult{}, r.wrap(what, err)
	}
	attached, err := r.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return sandbox.ExecResult{}, r.wrap(what, err)
	}
	defer attached.Close()
	// The hijacked connection outlives ctx unless closed on cancel.
	stop := context.AfterFunc(ctx, attached.Close)
	defer stop()

	var out bytes.Buffer // one buffer: stdout and stderr interleaved as written
	_, copyErr := stdcopy.StdCopy(&out, &out, attached.Reader)
	if ctx.Err() != nil {
		return sandbox.ExecResult{}, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	var daemonMsg string
	if copyErr != nil {
		// The engine reports a command it could not start on its own stream.
		daemonMsg = strings.TrimPrefix(copyErr.Error(), "error from daemon in stream: ")
	}

	code, err := r.waitExec(ctx, created.ID)
	if err != nil {
		return sandbox.ExecResult{}, r.wrap(what, err)
	}
	if daemonMsg != "" {
		if code == 0 {
			return sandbox.ExecResult{}, fmt.Errorf("%s: reading its output: %w", what, copyErr)
		}
		if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
			out.WriteByte('\n')
		}
		out.WriteString(strings.TrimSpace(daemonMsg) + "\n")
	}
	return sandbox.ExecResult{ExitCode: code, Output: out.Bytes()}, nil
}

// waitExec waits for the engine to record the exec's exit: its output can
// end a moment before the engine marks it finished.
func (r *Runtime) waitExec(ctx context.Context, execID string) (int, error) {
	delay := 5 * time.Millisecond
	for {
		res, err := r.cli.ExecInspect(ctx, execID, client.ExecInspectOptions{})
		if err != nil {
			return 0, err
		}
		if !res.Running {
			return res.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// Logs returns the container's stdout and stderr interleaved, the last
// tail lines (0: all).
func (r *Runtime) Logs(ctx context.Context, id string, tail int) ([]byte, error) {
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "all"}
	if tail > 0 {
		opts.Tail = strconv.Itoa(tail)
	}
	rc, err := r.cli.ContainerLogs(ctx, id, opts)
	if err != nil {
		return nil, r.wrap("read logs of container "+id, err)
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &out, rc); err != nil && !errors.Is(err, io.EOF) {
		return out.Bytes(), r.wrap("read logs of container "+id, err)
	}
	return out.Bytes(), nil
}

// Changes lists the paths where the container's writable layer differs
// from its image.
func (r *Runtime) Changes(ctx context.Context, id string) ([]sandbox.Change, error) {
	res, err := r.cli.ContainerDiff(ctx, id, client.ContainerDiffOptions{})
	if err != nil {
		return nil, r.wrap("list changes of container "+id, err)
	}
	out := make([]sandbox.Change, 0, len(res.Changes))
	for _, ch := range res.Changes {
		out = append(out, changeFromEngine(ch))
	}
	return out, nil
}

// Commit makes an image of the container, applying opts.Changes
// (Dockerfile instructions) and adding opts.Labels to the labels it already
// carries, and tags it opts.Ref when set.
func (r *Runtime) Commit(ctx context.Context, id string, opts sandbox.CommitOptions) (string, error) {
	options := client.ContainerCommitOptions{Reference: opts.Ref, Changes: opts.Changes, NoPause: opts.NoPause}
	if len(opts.Labels) > 0 {
		// The engine fills every field left empty here from the container's
		// own config and merges labels, so only the labels need be given.
		options.Config = &container.Config{Labels: opts.Labels}
	}
	res, err := r.cli.ContainerCommit(ctx, id, options)
	if err != nil {
		return "", r.wrap("commit container "+id, err)
	}
	return res.ID, nil
}
