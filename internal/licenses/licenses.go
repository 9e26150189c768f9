// Package licenses reports the licenses of the modules the cattle binary
// bundles, so that THIRD_PARTY_NOTICES.md can ship with it and a dependency
// under a license cattle cannot carry fails the build. The module graph
// comes from `go list -deps` (only modules linked into the binary count,
// not test-only ones); texts are classified with github.com/google/licensecheck.
package licenses

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/google/licensecheck"
)

// Module is one bundled module and its license.
type Module struct {
	Path    string
	Version string
	License string // SPDX id ("A AND B" for several), or "unknown"
	File    string // the license file's name in the module
	Text    []byte
	Notice  []byte // the module's NOTICE file, which Apache-2.0 asks to pass on
}

// allowed are the licenses cattle (Apache-2.0, shipped as a binary) may
// bundle: permissive ones, and MPL-2.0, whose copyleft stops at its own
// files (they are bundled unmodified). GPL, LGPL, AGPL, the non-commercial
// ones and anything unrecognised are refused.
var allowed = map[string]bool{
	"Apache-2.0": true, "MIT": true, "BSD-2-Clause": true, "BSD-3-Clause": true,
	"ISC": true, "0BSD": true, "Zlib": true, "Unlicense": true, "CC0-1.0": true, "MPL-2.0": true,
}

// Allowed reports whether every license the module's text holds is allowed.
func (m Module) Allowed() bool {
	for _, id := range strings.Split(m.License, " AND ") {
		if !allowed[id] {
			return false
		}
	}
	return true
}

type listed struct {
	Standard bool
	Module   *struct {
		Path    string
		Version string
		Dir     string
		Main    bool
		Replace *struct {
			Path    string
			Version string
			Dir     string
		}
	}
}

// Bundled lists the modules whose packages pkgs link in (run in dir, inside
// the main module), sorted by path.
func Bundled(dir string, pkgs ...string) ([]Module, error) {
	args := append([]string{"list", "-deps", "-json=Standard,Module"}, pkgs...)
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	seen := map[string]bool{}
	var mods []Module
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		if p.Standard || p.Module == nil || p.Module.Main || seen[p.Module.Path] {
			continue
		}
		seen[p.Module.Path] = true
		path, version, mdir := p.Module.Path, p.Module.Version, p.Module.Dir
		if r := p.Module.Replace; r != nil {
			version, mdir = r.Version, r.Dir
		}
		mods = append(mods, classify(path, version, mdir))
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	return mods, nil
}

// licenseFile finds a module's license file: LICENSE, LICENCE or COPYING,
// in any case, with or without an extension; the shortest name wins.
func licenseFile(dir string) (string, []byte) {
	entries, _ := os.ReadDir(dir)
	var best string
	for _, e := range entries {
		upper := strings.ToUpper(e.Name())
		if e.IsDir() || !(strings.HasPrefix(upper, "LICENSE") || strings.HasPrefix(upper, "LICENCE") || strings.HasPrefix(upper, "COPYING")) {
			continue
		}
		if best == "" || len(e.Name()) < len(best) {
			best = e.Name()
		}
	}
	if best == "" {
		return "", nil
	}
	text, err := os.ReadFile(filepath.Join(dir, best))
	if err != nil {
		return "", nil
	}
	return best, text
}

func classify(path, version, dir string) Module {
	m := Module{Path: path, Version: version, License: "unknown"}
	m.File, m.Text = licenseFile(dir)
	if m.Text == nil {
		return m // reported as unknown, and so refused
	}
	m.Notice, _ = os.ReadFile(filepath.Join(dir, "NOTICE"))
	m.License = Identify(m.Text)
	return m
}

// Identify names the license a text holds; a text that is not mostly one
// known license (or several joined) is "unknown".
func Identify(text []byte) string {
	cov := licensecheck.Scan(text)
	if cov.Percent < 75 || len(cov.Match) == 0 {
		return "unknown"
	}
	var ids []string
	for _, match := range cov.Match {
		if !slices.Contains(ids, match.ID) {
			ids = append(ids, match.ID)
		}
	}
	return strings.Join(ids, " AND ")
}
