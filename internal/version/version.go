// Package version says which build of cattle this is. Release builds set
// the variables with -ldflags -X (see the Makefile's release target); a
// binary from `go install ...@VERSION` or `go build` in a clone falls back
// on what the Go toolchain recorded in it.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set at link time by release builds.
var (
	Version = ""
	Commit  = ""
	Date    = "" // the commit's time (RFC 3339): the same commit gives the same binary
)

// Info describes a build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
	Modified  bool   `json:"modified,omitempty"` // built from a work tree with changes
}

// Get returns this binary's build information.
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Date: Date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fromBuildInfo(&info, bi)
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	return info
}

// fromBuildInfo fills what the linker flags left empty: the module version
// (go install pkg@v1.2.3) and the VCS stamp (go build in a clone).
func fromBuildInfo(info *Info, bi *debug.BuildInfo) {
	if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		info.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if info.Commit == "" {
				info.Commit = s.Value
			}
		case "vcs.time":
			if info.Date == "" {
				info.Date = s.Value
			}
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
}

// String is the one line `cattle version` prints.
func (i Info) String() string {
	s := "cattle " + i.Version
	if i.Commit != "" {
		c := i.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += " (commit " + c
		if i.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + i.GoVersion + " " + i.Platform
}
