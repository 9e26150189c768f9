package bake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/sandbox"
)

// Progress is one thing a running bake reports: a phase starting or
// ending, or a line of a step's output.
type Progress struct {
	Phase   string  `json:"phase,omitempty"`  // base, build, commit, test, push
	Status  string  `json:"status,omitempty"` // start or done, for a phase
	Step    string  `json:"step,omitempty"`   // "shell 2", "test 1": whose output Line is
	Line    string  `json:"line,omitempty"`
	Seconds float64 `json:"seconds,omitempty"` // how long a phase took, when done
}

// PhaseTime is how long a phase took.
type PhaseTime struct {
	Phase   string  `json:"phase"`
	Seconds float64 `json:"seconds"`
}

// Result is what a bake made.
type Result struct {
	// Reference is the first tag in the registry, as the engine names it.
	Reference  string      `json:"reference"`
	References []string    `json:"references"`
	Digest     string      `json:"digest"` // of the manifest in the registry
	ImageID    string      `json:"image_id"`
	Size       int64       `json:"size"`
	Phases     []PhaseTime `json:"phases"`
	Seconds    float64     `json:"seconds"`
}

// Run bakes: build, commit, test, push. Whatever fails, the containers it
// made are removed and no tag is created or moved; the outcome is
// recorded either way. emit receives progress as it happens.
func (j *Job) Run(ctx context.Context, emit func(Progress)) (Result, error) {
	j.emit, j.started = emit, time.Now()
	timeout := j.spec.TimeoutDuration()
	rctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := j.run(rctx)
	cancel()
	if err != nil && errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("the bake took longer than its timeout (%s): %w", timeout, err)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("the bake was cancelled: %w", err)
	}
	// Cleanup must happen even when the caller went away (Ctrl-C).
	cctx, ccancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer ccancel()
	j.cleanup(cctx, err != nil)
	if err != nil {
		j.logf("FAILED: %v", err)
	}
	j.finish(cctx, res, err)
	return res, err
}

func (j *Job) run(ctx context.Context) (Result, error) {
	var base string
	err := j.phase("base", func() (err error) { base, err = j.prepareBase(ctx); return err })
	if err != nil {
		return Result{}, err
	}
	var build string
	if err := j.phase("build", func() (err error) { build, err = j.build(ctx, base); return err }); err != nil {
		return Result{}, err
	}
	if err := j.phase("commit", func() error { return j.commit(ctx, build) }); err != nil {
		return Result{}, err
	}
	if err := j.phase("test", func() error { return j.test(ctx) }); err != nil {
		return Result{}, err
	}
	var res Result
	if err := j.phase("push", func() (err error) { res, err = j.push(ctx); return err }); err != nil {
		return Result{}, err
	}
	res.Phases, res.Seconds = j.phases, time.Since(j.started).Seconds()
	return res, nil
}

// phase runs one phase between its start and done reports.
func (j *Job) phase(name string, fn func() error) error {
	start := time.Now()
	j.report(Progress{Phase: name, Status: "start"})
	if err := fn(); err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	j.phases = append(j.phases, PhaseTime{Phase: name, Seconds: secs})
	j.report(Progress{Phase: name, Status: "done", Seconds: secs})
	return nil
}

func (j *Job) report(p Progress) {
	switch {
	case p.Line != "":
		j.logf("[%s] %s", p.Step, p.Line)
	case p.Status == "start":
		j.logf("==> %s", p.Phase)
	}
	if j.emit != nil {
		j.emit(p)
	}
}

// output reports a step's output, line by line.
func (j *Job) output(step string, out []byte) {
	for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if line != "" {
			j.report(Progress{Step: step, Line: line})
		}
	}
}

func (j *Job) logf(format string, args ...any) {
	j.mu.Lock()
	defer j.mu.Unlock()
	fmt.Fprintf(&j.log, format+"\n", args...)
}

// containerLabels mark what a bake makes, to be found and removed.
func (j *Job) containerLabels(role string) map[string]string {
	return map[string]string{LabelBake: j.b.Sandbox, sandbox.LabelRole: role}
}

// push tags the image in the engine with the registry's name, pushes it,
// and then tags it NAME:TAG in the engine too.
func (j *Job) push(ctx context.Context) (Result, error) {
	res := Result{ImageID: j.imageID}
	for _, tag := range j.tags {
		ref := registry.Ref(j.b.RegistryAddr, j.spec.Name, tag)
		if err := j.tag(ctx, ref); err != nil {
			return res, err
		}
		if err := j.b.Runtime.ImagePush(ctx, ref); err != nil {
			return res, err
		}
		j.report(Progress{Step: "push", Line: "pushed " + ref})
		res.References = append(res.References, ref)
	}
	for _, tag := range j.tags {
		if err := j.tag(ctx, j.spec.Name+":"+tag); err != nil {
			return res, err
		}
	}
	res.Reference = res.References[0]
	digest, ok := j.b.Registry.TagDigest(ctx, j.spec.Name, j.tags[0])
	if !ok {
		return res, fmt.Errorf("the registry does not show %s:%s after the push", j.spec.Name, j.tags[0])
	}
	res.Digest = digest
	img, err := j.b.Runtime.InspectImage(ctx, j.imageID)
	res.Size = img.Size
	return res, err
}

// tag points ref at the baked image, remembering what it named before so
// that a failed bake can put it back.
func (j *Job) tag(ctx context.Context, ref string) error {
	prev := ""
	if img, err := j.b.Runtime.InspectImage(ctx, ref); err == nil {
		prev = img.ID
	}
	j.moved[ref] = prev
	return j.b.Runtime.ImageTag(ctx, j.imageID, ref)
}

// cleanup removes the containers; after a failure, also the image, and
// puts back the tags it moved.
func (j *Job) cleanup(ctx context.Context, failed bool) {
	rt := j.b.Runtime
	for _, id := range j.made {
		if err := rt.Remove(ctx, id, true); err != nil {
			slog.Warn("bake: removing a container", "id", id, "err", err)
		}
	}
	if !failed {
		return
	}
	for ref, prev := range j.moved {
		if prev != "" && prev != j.imageID {
			if err := rt.ImageTag(ctx, prev, ref); err != nil {
				slog.Warn("bake: restoring a tag", "ref", ref, "err", err)
			}
		}
	}
	for _, id := range []string{j.imageID, j.imported} {
		if id == "" {
			continue
		}
		if err := rt.RemoveImage(ctx, id); err != nil {
			slog.Warn("bake: removing an image of a failed bake", "id", id, "err", err)
		}
	}
}

// outcome is the record of a bake, made or failed.
func (j *Job) outcome(res Result, err error) images.BakeOutcome {
	o := images.BakeOutcome{Repository: j.spec.Name, Tags: j.tags, Digest: res.Digest, Size: res.Size,
		State: images.StateAvailable, Started: j.started.UTC(), Finished: time.Now().UTC(), Labels: j.spec.Changes.Labels}
	if err != nil {
		o.State = images.StateFailed
		o.Digest, o.Size = "", 0
	}
	j.mu.Lock()
	o.Log = j.log.String()
	j.mu.Unlock()
	return o
}
