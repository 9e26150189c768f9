package compute

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

var templateName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$`)

// VersionLatest and VersionDefault name a version by role, as AWS does.
const (
	VersionLatest  = "$Latest"
	VersionDefault = "$Default"
)

func versionKey(name string, v int) string { return fmt.Sprintf("%s/%08d", name, v) }

// validate checks a version's content and returns it with defaults filled in.
func (d TemplateData) validate() (TemplateData, error) {
	if strings.TrimSpace(d.Image) == "" {
		return d, errdefs.Invalid("a template needs an image: pass --image REF (for example builtin/demo)")
	}
	if d.InstanceType == "" {
		d.InstanceType = DefaultInstanceType
	}
	if _, err := LookupInstanceType(d.InstanceType); err != nil {
		return d, err
	}
	if d.Port < 0 || d.Port > 65535 {
		return d, errdefs.Invalid("port %d is out of range: use 1-65535", d.Port)
	}
	if d.Health.Path != "" && !strings.HasPrefix(d.Health.Path, "/") {
		return d, errdefs.Invalid("health check path %q must start with /", d.Health.Path)
	}
	for k := range d.Env {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			return d, errdefs.Invalid("environment variable name %q is not valid: use NAME=VALUE", k)
		}
	}
	caps, err := sandbox.NormalizeCapabilities(d.CapAdd)
	if err != nil {
		return d, errdefs.Invalid("%v", err)
	}
	for _, p := range d.DriftIgnore {
		if _, err := path.Match(p, "/"); err != nil || !strings.HasPrefix(p, "/") {
			return d, errdefs.Invalid("drift_ignore entry %q is not an absolute path or pattern: write it like /var/cache/app or /srv/*.pid", p)
		}
	}
	d.CapAdd = caps
	return d, nil
}

// CreateTemplate makes a template with its version 1, the default.
func (s *Service) CreateTemplate(ctx context.Context, name string, data TemplateData) (Template, TemplateVersion, error) {
	if !templateName.MatchString(name) {
		return Template{}, TemplateVersion{}, errdefs.Invalid("template name %q is not valid: use letters, digits, '.', '_' and '-' (at most 128)", name)
	}
	data, img, err := s.prepareVersion(ctx, data)
	if err != nil {
		return Template{}, TemplateVersion{}, err
	}
	digest := img.Digest
	now := s.now()
	t := Template{ID: NewTemplateID(), Name: name, DefaultVersion: 1, LatestVersion: 1, CreatedAt: now}
	v := TemplateVersion{TemplateID: t.ID, TemplateName: name, Version: 1, ImageDigest: digest,
		ImageRepository: img.Repository, CreatedAt: now, TemplateData: data}
	err = s.db.Update(func(tx *store.Tx) error {
		if _, err := tx.PutIf(kindTemplate, name, t, 0); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return errdefs.Conflict("template %q already exists: add a version with 'cattle templates version %s --image REF'", name, name)
			}
			return err
		}
		if _, err := tx.Put(kindVersion, versionKey(name, 1), v); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "template.created", Resource: "template/" + name,
			Message: fmt.Sprintf("template %s (%s) created, version 1 on %s (%s)", name, t.ID, data.Image, shortDigest(digest))})
		return err
	})
	return t, v, err
}

// CreateVersion adds a version to a template. Fields left empty are taken
// from the source version (the latest unless from is set), as AWS's
// SourceVersion does; the environment variables named in unsetEnv are
// dropped from the copy, so that a fix made on top of a broken version
// need not inherit its breakage.
func (s *Service) CreateVersion(ctx context.Context, name string, from string, data TemplateData, setDefault bool, unsetEnv ...string) (TemplateVersion, error) {
	src, err := s.ResolveVersion(ctx, name, orDefault(from, VersionLatest))
	if err != nil {
		return TemplateVersion{}, err
	}
	data = mergeData(src.TemplateData, data)
	if data, err = withoutEnv(data, src, unsetEnv); err != nil {
		return TemplateVersion{}, err
	}
	return s.addVersion(ctx, name, data, setDefault)
}

// CreateVersionOwn adds a version holding only data: nothing is inherited,
// as AWS's CreateLaunchTemplateVersion without SourceVersion.
func (s *Service) CreateVersionOwn(ctx context.Context, name string, data TemplateData, setDefault bool) (TemplateVersion, error) {
	return s.addVersion(ctx, name, data, setDefault)
}

func (s *Service) addVersion(ctx context.Context, name string, data TemplateData, setDefault bool) (TemplateVersion, error) {
	data, img, err := s.prepareVersion(ctx, data)
	if err != nil {
		return TemplateVersion{}, err
	}
	digest := img.Digest
	var v TemplateVersion
	err = s.db.Update(func(tx *store.Tx) error {
		t, err := store.Get[Template](tx, kindTemplate, name)
		if err != nil {
			return s.templateNotFound(name)
		}
		t.LatestVersion++
		if setDefault {
			t.DefaultVersion = t.LatestVersion
		}
		v = TemplateVersion{TemplateID: t.ID, TemplateName: name, Version: t.LatestVersion, ImageDigest: digest,
			ImageRepository: img.Repository, CreatedAt: s.now(), TemplateData: data}
		if _, err := tx.Put(kindTemplate, name, t); err != nil {
			return err
		}
		if _, err := tx.Put(kindVersion, versionKey(name, v.Version), v); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: "template.version", Resource: "template/" + name,
			Message: fmt.Sprintf("template %s version %d created on %s (%s)", name, v.Version, data.Image, shortDigest(digest))})
		return err
	})
	return v, err
}

// SetDefaultVersion makes version the template's default.
func (s *Service) SetDefaultVersion(ctx context.Context, name, version string) (Template, error) {
	if version == "" {
		return Template{}, errdefs.Invalid("no version given to make template %s's default: give a version number or $Latest", name)
	}
	v, err := s.ResolveVersion(ctx, name, version)
	if err != nil {
		return Template{}, err
	}
	var t Template
	err = s.db.Update(func(tx *store.Tx) error {
		t, err = store.Get[Template](tx, kindTemplate, name)
		if err != nil {
			return s.templateNotFound(name)
		}
		t.DefaultVersion = v.Version
		if _, err := tx.Put(kindTemplate, name, t); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: "template.default", Resource: "template/" + name,
			Message: fmt.Sprintf("template %s default version is now %d", name, v.Version)})
		return err
	})
	return t, err
}

// Templates lists every template.
func (s *Service) Templates(ctx context.Context) ([]Template, error) {
	var out []Template
	err := s.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[Template](tx, kindTemplate)
		return err
	})
	return out, err
}

// Template returns one template and all its versions, oldest first.
func (s *Service) Template(ctx context.Context, name string) (Template, []TemplateVersion, error) {
	var t Template
	var versions []TemplateVersion
	err := s.db.View(func(tx *store.Tx) (err error) {
		t, err = store.Get[Template](tx, kindTemplate, name)
		if err != nil {
			return s.templateNotFound(name)
		}
		all, err := store.List[TemplateVersion](tx, kindVersion)
		for _, v := range all {
			if v.TemplateName == name {
				versions = append(versions, v)
			}
		}
		return err
	})
	return t, versions, err
}

// DeleteTemplate deletes a template and all its versions, as AWS's
// DeleteLaunchTemplate does. Instances launched from it keep running: they
// carry its name and version, not a reference to it. The
// BeforeDeleteTemplate hook may refuse (a group launches from it).
func (s *Service) DeleteTemplate(ctx context.Context, name string) error {
	return s.db.Update(func(tx *store.Tx) error {
		t, err := store.Get[Template](tx, kindTemplate, name)
		if errors.Is(err, errdefs.ErrNotFound) {
			return errdefs.NotFound("template %q does not exist: list templates with 'cattle templates ls'", name)
		}
		if err != nil {
			return err
		}
		// In this transaction: a group made meanwhile would use a template
		// that is gone.
		if s.hooks.BeforeDeleteTemplate != nil {
			if err := s.hooks.BeforeDeleteTemplate(tx, name); err != nil {
				return err
			}
		}
		for n := 1; n <= t.LatestVersion; n++ {
			if err := tx.Delete(kindVersion, versionKey(name, n)); err != nil {
				return err
			}
		}
		if err := tx.Delete(kindTemplate, name); err != nil {
			return err
		}
		_, err = tx.Append(store.Event{Kind: "template.deleted", Resource: "template/" + name,
			Message: fmt.Sprintf("template %s (%s) deleted with all its versions; instances launched from it keep running", name, t.ID)})
		return err
	})
}

// ResolveVersion finds a version by number, $Latest or $Default ("" is $Default).
func (s *Service) ResolveVersion(ctx context.Context, name, version string) (v TemplateVersion, err error) {
	err = s.db.View(func(tx *store.Tx) error {
		v, err = s.ResolveVersionIn(tx, name, version)
		return err
	})
	return v, err
}

// ResolveVersionIn is ResolveVersion in tx: a caller that records a
// reference to a template checks it in the transaction that writes it,
// which DeleteTemplate cannot interleave with.
func (s *Service) ResolveVersionIn(tx *store.Tx, name, version string) (TemplateVersion, error) {
	t, err := store.Get[Template](tx, kindTemplate, name)
	if err != nil {
		return TemplateVersion{}, s.templateNotFound(name)
	}
	n, err := versionNumber(t, version)
	if err != nil {
		return TemplateVersion{}, err
	}
	v, err := store.Get[TemplateVersion](tx, kindVersion, versionKey(name, n))
	if err != nil {
		return v, errdefs.NotFound("template %s has no version %d: it has versions 1 to %d", name, n, t.LatestVersion)
	}
	return v, nil
}

func versionNumber(t Template, version string) (int, error) {
	switch version {
	case "", VersionDefault:
		return t.DefaultVersion, nil
	case VersionLatest:
		return t.LatestVersion, nil
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 {
		return 0, errdefs.Invalid("template version %q is not valid: use a number, $Latest or $Default", version)
	}
	return n, nil
}

// SplitTemplateRef splits "name:version" (version optional).
func SplitTemplateRef(ref string) (name, version string) {
	name, version, _ = strings.Cut(ref, ":")
	return name, version
}

func (s *Service) prepareVersion(ctx context.Context, data TemplateData) (TemplateData, images.Resolved, error) {
	data, err := data.validate()
	if err != nil {
		return data, images.Resolved{}, err
	}
	img, err := s.images.Resolve(ctx, data.Image)
	return data, img, err
}

func (s *Service) templateNotFound(name string) error {
	return errdefs.NotFound("template %q does not exist: create it with 'cattle templates create %s --image REF'", name, name)
}

// mergeData fills what override leaves empty from base.
// withoutEnv drops the keys of unset from data's environment; each must
// be in the source version's, and none may be set again in the same call.
func withoutEnv(data TemplateData, src TemplateVersion, unset []string) (TemplateData, error) {
	if len(unset) == 0 {
		return data, nil
	}
	env := maps.Clone(data.Env)
	for _, k := range unset {
		if _, ok := src.Env[k]; !ok {
			return data, errdefs.Invalid("version %d of template %s has no environment variable %s to unset: check the name", src.Version, src.TemplateName, k)
		}
		if v, ok := env[k]; ok && v != src.Env[k] {
			return data, errdefs.Invalid("environment variable %s is both set and unset: give one of --env %s=... and --unset-env %s", k, k, k)
		}
		delete(env, k)
	}
	data.Env = env
	return data, nil
}

func mergeData(base, override TemplateData) TemplateData {
	out := base
	if override.Image != "" {
		out.Image = override.Image
	}
	if override.InstanceType != "" {
		out.InstanceType = override.InstanceType
	}
	if override.Port != 0 {
		out.Port = override.Port
	}
	if override.Env != nil {
		env := map[string]string{}
		for k, v := range base.Env {
			env[k] = v
		}
		for k, v := range override.Env {
			env[k] = v
		}
		out.Env = env
	}
	if override.Command != nil {
		out.Command = override.Command
	}
	if override.Health.Path != "" {
		out.Health = override.Health
	}
	if override.UserData != "" {
		out.UserData = override.UserData
	}
	if override.Description != "" {
		out.Description = override.Description
	}
	if override.CapAdd != nil {
		out.CapAdd = override.CapAdd
	}
	if override.DriftIgnore != nil {
		out.DriftIgnore = override.DriftIgnore
	}
	if override.Tags != nil {
		out.Tags = override.Tags
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return "sha256:" + d
}
