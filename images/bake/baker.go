package bake

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// LabelBake marks the containers a bake makes (build and test), with the
// sandbox's name: a daemon that starts removes the ones a previous daemon
// left behind. The baked image carries it empty (a commit keeps the
// container's labels), so that nothing made from the image matches.
const LabelBake = "dev.cattle.bake"

// Provenance labels on a baked image.
const (
	LabelFileSHA256 = "dev.cattle.bake.file-sha256"
	LabelVersion    = "dev.cattle.bake.cattle-version"
	LabelCreated    = "org.opencontainers.image.created"
	LabelBaseDigest = "org.opencontainers.image.base.digest"
	LabelBaseName   = "org.opencontainers.image.base.name"
	// RoleBaked is the sandbox.LabelRole of a baked image.
	RoleBaked = "baked-image"
)

// Baker runs bakes in one sandbox.
type Baker struct {
	Runtime sandbox.Runtime
	Sandbox string
	// RegistryAddr is the host:port the engine pushes to.
	RegistryAddr string
	Registry     *registry.Registry
	Catalog      *images.Catalog
	DB           *store.DB
}

// Job is a bake checked and ready to run.
type Job struct {
	b       *Baker
	spec    Spec
	tags    []string
	base    sandbox.Image // the base image, unless it is a rootfs to import
	scripts map[string]string

	emit     func(Progress)
	mu       sync.Mutex
	log      strings.Builder
	env      []string // KEY=VALUE from env provisioners, for later shell steps
	phases   []PhaseTime
	made     []string          // containers to remove
	moved    map[string]string // engine references retagged -> the image they named before ("" none)
	imageID  string
	imported string // the image a rootfs base was imported as
	overrode bool   // the build container did not run the base's own command
	started  time.Time
}

// Prepare checks a bake against the sandbox before anything runs: a bad
// spec, a tag an immutable repository holds, a base that does not exist,
// a shell step on a base without /bin/sh or a missing file are refused
// here, with no container made.
func (b *Baker) Prepare(ctx context.Context, spec Spec) (*Job, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	if err := spec.checkAbsolute(); err != nil {
		return nil, err
	}
	j := &Job{b: b, spec: spec, tags: spec.EffectiveTags(), scripts: map[string]string{}, moved: map[string]string{}}
	for _, tag := range j.tags {
		if err := b.Registry.CheckTagFree(ctx, spec.Name, tag); err != nil {
			return nil, err
		}
	}
	if err := j.checkBase(ctx); err != nil {
		return nil, err
	}
	return j, j.readFiles()
}

func (j *Job) checkBase(ctx context.Context) error {
	from := j.spec.From
	if from.Rootfs != "" {
		return checkRootfs(from.Rootfs, j.spec.NeedsShell())
	}
	if from.Image == images.DemoImageName && j.spec.NeedsShell() {
		return errdefs.Invalid("%s has no /bin/sh (it holds only the cattle binary): use file and env steps, exec tests, or a base with a shell", from.Image)
	}
	img, err := j.baseImage(ctx, from.Image)
	if errors.Is(err, errdefs.ErrNotFound) {
		return errdefs.NotFound("base image %q not found: use %s, an image of the sandbox's registry or the engine (docker images), or {rootfs: DIR|TAR}", from.Image, images.DemoImageName)
	}
	j.base = img
	return err
}

// baseImage finds the base in the engine: what the sandbox's registry holds
// under ref first (pulled if the engine lacks it), else the engine's own.
func (j *Job) baseImage(ctx context.Context, ref string) (sandbox.Image, error) {
	if res, err := j.b.Catalog.Resolve(ctx, ref); err == nil {
		pull := j.b.Catalog.PullRef(res)
		if img, err := j.b.Runtime.InspectImage(ctx, pull); err == nil {
			return img, nil
		}
		if err := j.b.Runtime.ImagePull(ctx, pull); err == nil {
			return j.b.Runtime.InspectImage(ctx, pull)
		}
	}
	return j.b.Runtime.InspectImage(ctx, ref)
}

// checkRootfs checks that a root filesystem to import exists and, when a
// shell step needs it, holds bin/sh.
func checkRootfs(p string, needShell bool) error {
	info, err := os.Stat(p)
	if err != nil {
		return errdefs.NotFound("rootfs %s: %v", p, errors.Unwrap(err))
	}
	if !needShell {
		return nil
	}
	has := false
	if info.IsDir() {
		_, err := os.Stat(path.Join(p, "bin", "sh"))
		has = err == nil
	} else {
		has, err = tarHas(p, "bin/sh")
		if err != nil {
			return errdefs.Invalid("rootfs %s is not a folder or a tar: %v", p, err)
		}
	}
	if !has {
		return errdefs.Invalid("rootfs %s has no /bin/sh: shell steps need one (add it, or use only file and env steps and exec tests)", p)
	}
	return nil
}

func tarHas(file, name string) (bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return false, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if strings.TrimPrefix(path.Clean("/"+h.Name), "/") == name {
			return true, nil
		}
	}
}

// readFiles checks the files the steps upload and reads the scripts they
// run, so that a missing one fails the bake before it starts.
func (j *Job) readFiles() error {
	read := func(p string) error {
		b, err := os.ReadFile(p)
		if err != nil {
			return errdefs.NotFound("script %s: %v", p, errors.Unwrap(err))
		}
		j.scripts[p] = string(b)
		return nil
	}
	for _, p := range j.spec.Provisioners {
		switch {
		case p.File != nil && p.File.Source != "":
			if _, err := os.Stat(p.File.Source); err != nil {
				return errdefs.NotFound("file to upload %s: %v", p.File.Source, errors.Unwrap(err))
			}
		case p.Shell != nil && p.Shell.Script != "":
			if err := read(p.Shell.Script); err != nil {
				return err
			}
		}
	}
	for _, c := range j.spec.Test {
		if c.Shell != nil && c.Shell.Script != "" {
			if err := read(c.Shell.Script); err != nil {
				return err
			}
		}
	}
	return nil
}
