package bake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/internal/version"
	"github.com/cattle-dev/cattle/sandbox"
)

// keepAlive keeps a build container running for its shell steps; it
// answers the stop signal at once.
var keepAlive = []string{"/bin/sh", "-c", "trap 'exit 0' TERM INT; while :; do sleep 1; done"}

// prepareBase returns the image the build starts from, importing a root
// filesystem first if the base is one.
func (j *Job) prepareBase(ctx context.Context) (string, error) {
	if j.spec.From.Rootfs == "" {
		return j.base.ID, nil
	}
	r, err := rootfsTar(j.spec.From.Rootfs)
	if err != nil {
		return "", err
	}
	defer r.Close()
	labels := map[string]string{sandbox.LabelImageSandbox: j.b.Sandbox, sandbox.LabelRole: "bake-base"}
	id, err := j.b.Runtime.ImportImage(ctx, r, labels)
	if err != nil {
		return "", err
	}
	j.imported = id
	j.report(Progress{Step: "base", Line: "imported " + j.spec.From.Rootfs + " as " + short(id)})
	j.base, err = j.b.Runtime.InspectImage(ctx, id)
	return id, err
}

// build makes the build container and runs the provisioners in it.
func (j *Job) build(ctx context.Context, base string) (string, error) {
	spec := sandbox.ContainerSpec{Image: base, Labels: j.containerLabels("bake-build")}
	shell := j.spec.buildNeedsShell()
	switch {
	case shell && len(j.base.Entrypoint) > 0:
		spec.Entrypoint, spec.Cmd = keepAlive[:1], keepAlive[1:]
	case shell:
		spec.Cmd = keepAlive
	case len(j.base.Entrypoint)+len(j.base.Cmd) == 0:
		// An image with nothing to run cannot even be created; the
		// container is never started, so any command does.
		spec.Cmd = []string{"/bin/true"}
	}
	j.overrode = spec.Cmd != nil
	id, err := j.b.Runtime.Create(ctx, spec)
	if err != nil {
		return "", err
	}
	j.made = append(j.made, id)
	if shell {
		if err := j.b.Runtime.Start(ctx, id); err != nil {
			return "", errdefs.Invalid("base %s cannot run /bin/sh, which shell steps need (%v)", j.spec.From, err)
		}
	}
	for i, p := range j.spec.Provisioners {
		if err := j.provision(ctx, id, i+1, p); err != nil {
			return "", err
		}
	}
	return id, nil
}

func (j *Job) provision(ctx context.Context, id string, n int, p Provisioner) error {
	switch {
	case p.Env != nil:
		keys := make([]string, 0, len(p.Env))
		for k := range p.Env {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			j.env = append(j.env, k+"="+p.Env[k])
		}
		j.report(Progress{Step: fmt.Sprintf("env %d", n), Line: "set " + strings.Join(keys, ", ") + " for the shell steps after"})
		return nil
	case p.File != nil:
		return j.upload(ctx, id, fmt.Sprintf("file %d", n), p.File)
	}
	step := fmt.Sprintf("shell %d", n)
	lw := &lineWriter{emit: func(line string) { j.report(Progress{Step: step, Line: line}) }}
	code, err := j.b.Runtime.ExecStream(ctx, id, []string{"/bin/sh", "-c", j.script(p.Shell)}, lw)
	lw.flush()
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	if code != 0 {
		return fmt.Errorf("%s exited with code %d", step, code)
	}
	return nil
}

// script is a shell step's text: the env provisioners' variables, then
// its lines, stopping at the first that fails.
func (j *Job) script(s *Shell) string {
	var b strings.Builder
	b.WriteString("set -e\n")
	for _, kv := range j.env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shellQuote(v))
	}
	if s.Script != "" {
		b.WriteString(j.scripts[s.Script])
	} else {
		b.WriteString(strings.Join(s.Inline, "\n"))
	}
	return b.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (j *Job) upload(ctx context.Context, id, step string, f *FileUpload) error {
	r, err := uploadTar(f)
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	defer r.Close()
	if err := j.b.Runtime.CopyToContainer(ctx, id, "/", r); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	what := f.Source
	if what == "" {
		what = fmt.Sprintf("%d bytes", len(f.Content))
	}
	j.report(Progress{Step: step, Line: "uploaded " + what + " to " + f.Destination})
	return nil
}

// commit makes the image: the build container with the changes and the
// provenance labels.
func (j *Job) commit(ctx context.Context, build string) error {
	id, err := j.b.Runtime.Commit(ctx, build, sandbox.CommitOptions{Changes: j.changes(), Labels: j.labels()})
	if err != nil {
		return err
	}
	j.imageID = id
	j.report(Progress{Step: "commit", Line: "image " + short(id)})
	return nil
}

// changes are the commit's Dockerfile instructions. A build container that
// ran the keep-alive shell gets the base's entrypoint and command back (a
// commit cannot empty them: an empty one falls back on the container's).
func (j *Job) changes() []string {
	c := j.spec.Changes
	entry, cmd := c.Entrypoint, c.Cmd
	if j.overrode {
		if entry == nil && len(j.base.Entrypoint) > 0 {
			entry = j.base.Entrypoint
		}
		if cmd == nil && c.Entrypoint == nil {
			cmd = j.base.Cmd
			if len(cmd) == 0 {
				cmd = []string{"/bin/sh"}
			}
		}
	}
	var out []string
	if entry != nil {
		out = append(out, "ENTRYPOINT "+jsonArray(entry))
	}
	if cmd != nil {
		out = append(out, "CMD "+jsonArray(cmd))
	}
	for _, k := range sortedKeys(c.Env) {
		out = append(out, fmt.Sprintf("ENV %s=%s", k, strconv.Quote(c.Env[k])))
	}
	for _, p := range c.Expose {
		out = append(out, fmt.Sprintf("EXPOSE %d", p))
	}
	if c.User != "" {
		out = append(out, "USER "+c.User)
	}
	if c.Workdir != "" {
		out = append(out, "WORKDIR "+c.Workdir)
	}
	return out
}

func jsonArray(s []string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// labels are the image's: the spec's, then provenance, which it cannot override.
func (j *Job) labels() map[string]string {
	out := map[string]string{}
	for k, v := range j.spec.Changes.Labels {
		out[k] = v
	}
	out[LabelBake] = "" // the build container's, which a commit keeps
	out[sandbox.LabelImageSandbox] = j.b.Sandbox
	out[sandbox.LabelRole] = RoleBaked
	out[LabelFileSHA256] = j.spec.FileSHA256
	out[LabelVersion] = version.Get().Version
	out[LabelCreated] = time.Now().UTC().Format(time.RFC3339)
	out[LabelBaseDigest] = j.base.ID
	out[LabelBaseName] = j.spec.From.String()
	return out
}

// test runs each test in a fresh container of the image.
func (j *Job) test(ctx context.Context) error {
	for i, c := range j.spec.Test {
		step := fmt.Sprintf("test %d", i+1)
		argv := c.Exec
		if c.Shell != nil {
			argv = []string{"/bin/sh", "-c", j.script(c.Shell)}
		}
		what := strings.Join(c.Exec, " ")
		if c.Shell != nil {
			what = "shell: " + strings.Join(c.Shell.Inline, "; ") + c.Shell.Script
		}
		code, out, err := j.runOnce(ctx, argv)
		j.output(step, out)
		if err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		if code != 0 {
			return fmt.Errorf("%s (%s) exited with code %d: nothing was pushed", step, what, code)
		}
		j.report(Progress{Step: step, Line: "passed"})
	}
	return nil
}

// runOnce runs argv as the command of a fresh container of the image and
// waits for it to exit.
func (j *Job) runOnce(ctx context.Context, argv []string) (int, []byte, error) {
	rt := j.b.Runtime
	id, err := rt.Create(ctx, sandbox.ContainerSpec{Image: j.imageID, Entrypoint: argv, Labels: j.containerLabels("bake-test")})
	if err != nil {
		return 0, nil, err
	}
	j.made = append(j.made, id)
	if err := rt.Start(ctx, id); err != nil {
		return 0, nil, err
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := rt.Inspect(ctx, id)
		if err != nil {
			return 0, nil, err
		}
		if c.State == sandbox.StateExited || c.State == sandbox.StateDead {
			out, err := rt.Logs(ctx, id, 0)
			return c.ExitCode, out, err
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-tick.C:
		}
	}
}

func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// lineWriter turns output into lines as it arrives.
type lineWriter struct {
	emit func(string)
	buf  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimRight(string(w.buf[:i]), "\r"); line != "" {
			w.emit(line)
		}
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) > 64<<10 { // a very long line without an end
		w.flush()
	}
	return len(p), nil
}

func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
}
