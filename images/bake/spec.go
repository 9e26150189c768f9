// Package bake turns a bake file into an image, after Packer's docker
// builder: a container from the base, provisioners in order, a commit with
// changes, a test in a fresh container of the result, then a push into the
// sandbox's registry. Nothing is tagged or pushed unless every step passed;
// a failed bake leaves no container and no tag behind.
package bake

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// Spec is a bake, as a bake file states it once its variables are
// substituted. The same shape travels to the daemon as JSON.
type Spec struct {
	Name         string        `yaml:"name" json:"name"`
	Tags         []string      `yaml:"tags" json:"tags,omitempty"`
	From         From          `yaml:"from" json:"from"`
	Provisioners []Provisioner `yaml:"provisioners" json:"provisioners,omitempty"`
	Changes      Changes       `yaml:"changes" json:"changes"`
	Test         []Command     `yaml:"test" json:"test,omitempty"`
	// Timeout bounds the whole bake (a Go duration); DefaultTimeout when empty.
	Timeout string `yaml:"timeout" json:"timeout,omitempty"`

	// Dir is where relative paths in the spec start (the bake file's folder).
	Dir string `yaml:"-" json:"dir,omitempty"`
	// File is the bake file, if any: the manifest of builds is written beside it.
	File string `yaml:"-" json:"file,omitempty"`
	// FileSHA256 is the hash of the bake file's text, a provenance label.
	FileSHA256 string `yaml:"-" json:"file_sha256,omitempty"`
}

// From is the base: an image reference (builtin/demo, an image the engine
// or the registry has) or a root filesystem (a folder or a tar) to import.
type From struct {
	Image  string `yaml:"image" json:"image,omitempty"`
	Rootfs string `yaml:"rootfs" json:"rootfs,omitempty"`
}

func (f From) String() string {
	if f.Rootfs != "" {
		return "rootfs " + f.Rootfs
	}
	return f.Image
}

// Provisioner is one step of the build; exactly one of its fields is set.
type Provisioner struct {
	Shell *Shell            `yaml:"shell" json:"shell,omitempty"`
	File  *FileUpload       `yaml:"file" json:"file,omitempty"`
	Env   map[string]string `yaml:"env" json:"env,omitempty"`
}

// Shell runs commands with the base's /bin/sh: inline lines as one script
// that stops at the first failing line, or a script file.
type Shell struct {
	Inline []string `yaml:"inline" json:"inline,omitempty"`
	Script string   `yaml:"script" json:"script,omitempty"`
}

// FileUpload puts a file or a folder (source) or a text (content) at
// destination, through the engine's archive API: no shell needed.
type FileUpload struct {
	Source      string `yaml:"source" json:"source,omitempty"`
	Content     string `yaml:"content" json:"content,omitempty"`
	Destination string `yaml:"destination" json:"destination"`
	Mode        string `yaml:"mode" json:"mode,omitempty"` // octal, e.g. "0755"; 0644 for content
}

// Changes are applied when the build container is committed, as Dockerfile
// instructions.
type Changes struct {
	Cmd        []string          `yaml:"cmd" json:"cmd,omitempty"`
	Entrypoint []string          `yaml:"entrypoint" json:"entrypoint,omitempty"`
	Env        map[string]string `yaml:"env" json:"env,omitempty"`
	Expose     []int             `yaml:"expose" json:"expose,omitempty"`
	Labels     map[string]string `yaml:"labels" json:"labels,omitempty"`
	User       string            `yaml:"user" json:"user,omitempty"`
	Workdir    string            `yaml:"workdir" json:"workdir,omitempty"`
}

// Command is one test, run in a fresh container of the result: argv as
// the container's command (exec), or a shell script.
type Command struct {
	Exec  []string `yaml:"exec" json:"exec,omitempty"`
	Shell *Shell   `yaml:"shell" json:"shell,omitempty"`
}

// DefaultTimeout bounds a bake whose spec sets none.
const DefaultTimeout = 30 * time.Minute

// FieldError is a bad value in a spec; Path names it from the top, as
// "provisioners[1].file.destination", so a reader of the file can point
// at its line.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string { return e.Path + ": " + e.Msg }

// Is makes a FieldError an errdefs.ErrInvalid (bad input, exit 2).
func (e *FieldError) Is(target error) bool { return target == errdefs.ErrInvalid }

func fieldErr(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

var tagGrammar = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// Validate checks a spec without touching anything.
func (s *Spec) Validate() error {
	if s.Name == "" {
		return fieldErr("name", "a bake needs a name (the repository the image goes into)")
	}
	if err := registry.ValidateName(s.Name); err != nil {
		return fieldErr("name", "%v", err)
	}
	for i, t := range s.Tags {
		if !tagGrammar.MatchString(t) {
			return fieldErr(fmt.Sprintf("tags[%d]", i), "tag %q is not valid: letters, digits, '.', '_' and '-', at most 128", t)
		}
	}
	if err := s.From.validate(); err != nil {
		return err
	}
	for i, p := range s.Provisioners {
		if err := p.validate(fmt.Sprintf("provisioners[%d]", i)); err != nil {
			return err
		}
	}
	if err := s.Changes.validate(); err != nil {
		return err
	}
	for i, c := range s.Test {
		if err := c.validate(fmt.Sprintf("test[%d]", i)); err != nil {
			return err
		}
	}
	if s.Timeout != "" {
		if d, err := time.ParseDuration(s.Timeout); err != nil || d <= 0 {
			return fieldErr("timeout", "%q is not a duration: write it like 90s or 10m", s.Timeout)
		}
	}
	return nil
}

func (f From) validate() error {
	switch {
	case f.Image == "" && f.Rootfs == "":
		return fieldErr("from", "a bake needs a base: from: builtin/demo, an image reference, or {rootfs: DIR|TAR}")
	case f.Image != "" && f.Rootfs != "":
		return fieldErr("from", "give either an image or a rootfs, not both")
	case strings.ContainsAny(f.Image, " \t\n"):
		return fieldErr("from", "image reference %q has blanks", f.Image)
	}
	return nil
}

func (p Provisioner) validate(path string) error {
	n := 0
	if p.Shell != nil {
		n++
	}
	if p.File != nil {
		n++
	}
	if p.Env != nil {
		n++
	}
	if n != 1 {
		return fieldErr(path, "a provisioner is exactly one of shell, file or env")
	}
	switch {
	case p.Shell != nil:
		return p.Shell.validate(path + ".shell")
	case p.File != nil:
		return p.File.validate(path + ".file")
	}
	for k := range p.Env {
		if !envName.MatchString(k) {
			return fieldErr(path+".env", "%q is not a variable name", k)
		}
	}
	return nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func (s *Shell) validate(path string) error {
	if (len(s.Inline) == 0) == (s.Script == "") {
		return fieldErr(path, "a shell step has either inline (a list of lines) or script (a file), not both or neither")
	}
	return nil
}

func (f *FileUpload) validate(path string) error {
	switch {
	case (f.Source == "") == (f.Content == ""):
		return fieldErr(path, "a file step has either source (a path) or content (a text)")
	case f.Destination == "" || !strings.HasPrefix(f.Destination, "/"):
		return fieldErr(path+".destination", "destination must be an absolute path in the image, like /etc/motd")
	}
	if f.Mode != "" {
		if _, err := parseMode(f.Mode); err != nil {
			return fieldErr(path+".mode", "%q is not an octal mode like 0644", f.Mode)
		}
	}
	return nil
}

func (c Changes) validate() error {
	for k := range c.Env {
		if !envName.MatchString(k) {
			return fieldErr("changes.env", "%q is not a variable name", k)
		}
	}
	for i, p := range c.Expose {
		if p < 1 || p > 65535 {
			return fieldErr(fmt.Sprintf("changes.expose[%d]", i), "port %d is not between 1 and 65535", p)
		}
	}
	if c.Workdir != "" && !strings.HasPrefix(c.Workdir, "/") {
		return fieldErr("changes.workdir", "workdir must be an absolute path")
	}
	return nil
}

func (c Command) validate(path string) error {
	switch {
	case (len(c.Exec) == 0) == (c.Shell == nil):
		return fieldErr(path, "a test is either exec: [argv...] or shell: {inline: [...]}")
	case c.Shell != nil:
		return c.Shell.validate(path + ".shell")
	}
	return nil
}

// NeedsShell says whether a build or test step runs /bin/sh.
func (s *Spec) NeedsShell() bool { return s.buildNeedsShell() || s.testNeedsShell() }

func (s *Spec) buildNeedsShell() bool {
	for _, p := range s.Provisioners {
		if p.Shell != nil {
			return true
		}
	}
	return false
}

func (s *Spec) testNeedsShell() bool {
	for _, c := range s.Test {
		if c.Shell != nil {
			return true
		}
	}
	return false
}

// Path turns a path of the spec into one the daemon can open.
func (s *Spec) Path(p string) string {
	if filepath.IsAbs(p) || s.Dir == "" {
		return p
	}
	return filepath.Join(s.Dir, p)
}

// Resolve makes the spec's relative paths absolute from dir, so that it
// can travel to the daemon.
func (s *Spec) Resolve(dir string) {
	abs, err := filepath.Abs(dir)
	if err == nil {
		dir = abs
	}
	s.Dir = dir
	if s.From.Rootfs != "" {
		s.From.Rootfs = s.Path(s.From.Rootfs)
	}
	for _, p := range s.Provisioners {
		if p.File != nil && p.File.Source != "" {
			p.File.Source = s.Path(p.File.Source)
		}
		if p.Shell != nil && p.Shell.Script != "" {
			p.Shell.Script = s.Path(p.Shell.Script)
		}
	}
	for _, c := range s.Test {
		if c.Shell != nil && c.Shell.Script != "" {
			c.Shell.Script = s.Path(c.Shell.Script)
		}
	}
}

// checkAbsolute refuses relative paths where the daemon reads them: the
// client resolves them against the bake file's folder (Resolve).
func (s *Spec) checkAbsolute() error {
	paths := []string{s.From.Rootfs}
	for _, p := range s.Provisioners {
		if p.File != nil {
			paths = append(paths, p.File.Source)
		}
		if p.Shell != nil {
			paths = append(paths, p.Shell.Script)
		}
	}
	for _, c := range s.Test {
		if c.Shell != nil {
			paths = append(paths, c.Shell.Script)
		}
	}
	for _, p := range paths {
		if p != "" && !filepath.IsAbs(p) {
			return errdefs.Invalid("path %q is relative: the daemon reads files by absolute paths (resolve them against the bake file's folder)", p)
		}
	}
	return nil
}

// EffectiveTags are the tags the bake pushes: latest when none are given.
func (s *Spec) EffectiveTags() []string {
	if len(s.Tags) == 0 {
		return []string{"latest"}
	}
	return s.Tags
}

// TimeoutDuration is the bound of the whole bake.
func (s *Spec) TimeoutDuration() time.Duration {
	if d, err := time.ParseDuration(s.Timeout); err == nil && d > 0 {
		return d
	}
	return DefaultTimeout
}
