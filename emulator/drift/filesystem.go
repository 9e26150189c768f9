package drift

import (
	"path"
	"sort"
	"strings"

	"github.com/cattle-dev/cattle/sandbox"
)

// DefaultIgnore are the paths that change while any container runs
// normally: scratch space, runtime state, logs and caches, and the files
// the engine itself writes. Their changes are no drift.
var DefaultIgnore = []string{
	"/tmp", "/var/tmp", "/run", "/var/run", "/var/log", "/var/cache", "/var/lib/apt/lists",
	"/dev", "/proc", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/etc/mtab",
}

// imageIgnore adds what a known image changes as it runs. The demo app
// writes nothing; a busybox shell keeps a history when used interactively.
var imageIgnore = map[string][]string{
	"builtin/demo": nil,
	"busybox":      {"/root/.ash_history"},
}

// ignoreList is what is ignored for an instance: the defaults, its
// image's, and its template's drift_ignore.
func ignoreList(e expectation) []string {
	out := append([]string(nil), DefaultIgnore...)
	name, _, _ := strings.Cut(e.inst.Image, ":")
	out = append(out, imageIgnore[name]...)
	if strings.Contains(name, "busybox") {
		out = append(out, imageIgnore["busybox"]...)
	}
	return append(out, e.version.DriftIgnore...)
}

// ignored reports whether p is one of patterns or under one.
func ignored(p string, patterns []string) bool {
	for _, pat := range patterns {
		if p == pat || strings.HasPrefix(p, strings.TrimSuffix(pat, "/")+"/") {
			return true
		}
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

// fsDifferences turns the engine's changes into differences: a directory
// the engine marks modified only because something under it changed says
// nothing of its own (it is dropped, even when what changed is ignored),
// and ignored paths go.
func fsDifferences(changes []sandbox.Change, ignore []string) []Difference {
	var out []Difference
	for _, ch := range changes {
		if ch.Kind == sandbox.ChangeModified && parentOfAnother(ch.Path, changes) {
			continue
		}
		if ignored(ch.Path, ignore) {
			continue
		}
		d := Difference{Kind: KindFilesystem, Path: ch.Path}
		switch ch.Kind {
		case sandbox.ChangeAdded:
			d.Expected, d.Actual, d.Change = "absent", "present", ChangeAdd
		case sandbox.ChangeDeleted:
			d.Expected, d.Actual, d.Change = "present", "absent", ChangeRemove
		default:
			d.Expected, d.Actual, d.Change = "as in the image", "changed", ChangeModify
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

func parentOfAnother(p string, changes []sandbox.Change) bool {
	prefix := strings.TrimSuffix(p, "/") + "/"
	for _, ch := range changes {
		if strings.HasPrefix(ch.Path, prefix) {
			return true
		}
	}
	return false
}
