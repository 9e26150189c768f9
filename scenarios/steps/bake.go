package steps

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[bakeStep]("bake",
		scenarios.Doc("bake an image (a bake file, relative to the scenario, or its keys inline): build, test, push; "+
			"fails_with expects the bake to fail and to leave nothing behind",
			"bake: {name: web, tags: [v2], from: builtin/demo, changes: {env: {DEMO_VERSION: v2}}}"))
}

type bakeStep struct {
	// File is a bake file, relative to the scenario file.
	File string            `yaml:"file" default:"none: the bake's keys are inline"`
	Vars map[string]string `yaml:"vars" default:"none"`
	// FailsWith makes the step expect the bake to fail with an error that
	// says this, and to leave no container behind.
	FailsWith          string `yaml:"fails_with" default:"none: the bake must succeed"`
	scenarios.BakeKeys `yaml:",inline"`
}

func (b *bakeStep) Validate() error {
	inline := b.Name != "" || b.From != (scenarios.BakeFrom{}) || len(b.Provisioners) > 0 || len(b.Test) > 0
	switch {
	case b.File != "" && inline:
		return scenarios.FieldError("file", "give a bake file or the bake's keys inline, not both")
	case b.File != "":
		return nil
	case len(b.Vars) > 0:
		return scenarios.FieldError("vars", "vars are for a bake file: inline keys are written out")
	}
	spec := b.Spec()
	if err := spec.Validate(); err != nil {
		var fe *bake.FieldError
		if errors.As(err, &fe) {
			return scenarios.FieldError(strings.FieldsFunc(fe.Path, func(r rune) bool { return r == '.' || r == '[' })[0], "%s", fe.Error())
		}
		return err
	}
	return nil
}

func (b *bakeStep) spec(r *scenarios.Run) (bake.Spec, error) {
	dir := filepath.Dir(r.Scenario.File)
	if b.File != "" {
		p := b.File
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		return scenarios.ReadBakeFile(p, b.Vars)
	}
	spec := b.Spec()
	spec.Resolve(dir)
	return spec, nil
}

func (b *bakeStep) Execute(ctx context.Context, r *scenarios.Run) error {
	spec, err := b.spec(r)
	if err != nil {
		return err
	}
	var log []string
	res, err := r.Client.Bake(ctx, api.BakeRequest{Spec: spec}, func(p bake.Progress) {
		if p.Line != "" {
			log = append(log, p.Step+" | "+p.Line)
		}
	})
	if b.FailsWith != "" {
		return b.checkFailure(ctx, r, spec, err)
	}
	if err != nil {
		if len(log) > 0 {
			return fmt.Errorf("%w (last output: %s)", err, log[len(log)-1])
		}
		return err
	}
	var phases []string
	for _, ph := range res.Phases {
		phases = append(phases, fmt.Sprintf("%s %.1fs", ph.Phase, ph.Seconds))
	}
	r.Notef("baked %s:%s (%s, %s) in %.1fs: %s", spec.Name, strings.Join(spec.EffectiveTags(), ","),
		shortDigest(res.Digest), humanSize(res.Size), res.Seconds, strings.Join(phases, ", "))
	return nil
}

// checkFailure holds a bake that should have failed to its promise: the
// expected error, and none of its containers left.
func (b *bakeStep) checkFailure(ctx context.Context, r *scenarios.Run, spec bake.Spec, err error) error {
	if err == nil {
		return fmt.Errorf("the bake of %s succeeded; want it to fail with %q", spec.Name, b.FailsWith)
	}
	if !strings.Contains(err.Error(), b.FailsWith) {
		return fmt.Errorf("the bake failed with %q; want an error saying %q", err, b.FailsWith)
	}
	left, lerr := r.Runtime.List(ctx, map[string]string{bake.LabelBake: r.Sandbox})
	if lerr != nil {
		return lerr
	}
	if len(left) > 0 {
		return fmt.Errorf("the failed bake left %d containers (%s)", len(left), left[0].Name)
	}
	r.Notef("the bake failed as expected (%v); no container is left", err)
	return nil
}

func humanSize(n int64) string {
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
