package version

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestLinkerFlagsWinOverTheToolchainsStamp(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}, {Key: "vcs.time", Value: "2026-01-01T00:00:00Z"}}}
	info := Info{Version: "v1.2.3", Commit: "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", Date: "2026-11-30T00:00:00Z"}
	fromBuildInfo(&info, bi)
	if info.Version != "v1.2.3" || !strings.HasPrefix(info.Commit, "bbbb") || info.Date != "2026-11-30T00:00:00Z" {
		t.Fatalf("release stamps were overwritten: %+v", info)
	}
}

func TestGoInstallAndCloneBuildsAreNamed(t *testing.T) {
	var info Info
	fromBuildInfo(&info, &debug.BuildInfo{Main: debug.Module{Version: "v0.3.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "true"}}})
	if info.Version != "v0.3.0" || info.Commit != "0123456789abcdef0123456789abcdef01234567" || !info.Modified {
		t.Fatalf("%+v", info)
	}
	info.GoVersion, info.Platform = "go1.26.8", "linux/amd64"
	if got := info.String(); got != "cattle v0.3.0 (commit 0123456789ab, modified) go1.26.8 linux/amd64" {
		t.Fatalf("String() = %q", got)
	}
	var devel Info
	fromBuildInfo(&devel, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}})
	if devel.Version != "" {
		t.Fatalf("(devel) must not become the version: %+v", devel)
	}
}
