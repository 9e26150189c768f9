package drift

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/sandbox"
)

// expectation is what one instance's container should be: what it was
// launched from, with the engine's view of its image.
type expectation struct {
	inst    compute.Instance
	version compute.TemplateVersion
	itype   compute.InstanceType
	// imageID is the engine's id of the image the instance was launched
	// from ("" when it cannot be told: then the image is not compared).
	imageID  string
	imageEnv []string // the env that image sets
	network  string   // the sandbox network
}

// compare lists every difference between what e says and what c is, its
// filesystem changes given (nil when not read: a container not running).
func compare(e expectation, c sandbox.Container, changes []sandbox.Change) []Difference {
	var out []Difference
	if c.State != sandbox.StateRunning {
		out = append(out, Difference{Kind: KindState, Field: "state", Expected: string(sandbox.StateRunning),
			Actual: string(c.State), Change: ChangeModify})
	}
	if e.imageID != "" && c.ImageID != e.imageID {
		out = append(out, Difference{Kind: KindImage, Field: "image", Expected: e.inst.Image + " (" + short(e.imageID) + ")",
			Actual: imageName(c) + " (" + short(c.ImageID) + ")", Change: ChangeModify})
	}
	out = append(out, configDifferences(e, c)...)
	out = append(out, fsDifferences(changes, ignoreList(e))...)
	return out
}

// configDifferences compares the config hash label, and then the fields
// themselves: a container made again by hand keeps the label it copied.
func configDifferences(e expectation, c sandbox.Container) []Difference {
	var out []Difference
	field := func(name, want, got string) {
		if want != got {
			out = append(out, Difference{Kind: KindConfig, Field: name, Expected: orNone(want), Actual: orNone(got), Change: changeOf(want, got)})
		}
	}
	field("config_hash", e.inst.ConfigHash, c.Labels[sandbox.LabelConfigHash])
	out = append(out, envDifferences(expectedEnv(e), c.Config.Env, e.imageID != "")...)
	if len(e.version.Command) > 0 {
		field("command", strings.Join(e.version.Command, " "), strings.Join(c.Config.Cmd, " "))
	}
	field("port", portText(e.version.Port), portText(c.Config.Port))
	if c.State == sandbox.StateRunning && e.inst.Port > 0 && c.Config.Port > 0 && c.HostPort == 0 {
		out = append(out, Difference{Kind: KindConfig, Field: "published_port", Expected: "published on 127.0.0.1",
			Actual: "closed", Change: ChangeRemove})
	}
	field("memory", strconv.FormatInt(e.itype.MemoryMB<<20, 10), strconv.FormatInt(c.Config.Memory, 10))
	field("cpus", strconv.FormatInt(int64(e.itype.CPUs*1e9), 10), strconv.FormatInt(c.Config.NanoCPUs, 10))
	field("pids_limit", strconv.FormatInt(e.itype.PidsLimit, 10), strconv.FormatInt(c.Config.PidsLimit, 10))
	if e.network != "" && !slices.Contains(c.Config.Networks, e.network) {
		field("network", e.network, strings.Join(c.Config.Networks, ","))
	}
	return out
}

// expectedEnv is the environment compute gives an instance, over the
// image's own.
func expectedEnv(e expectation) map[string]string {
	env := envMap(e.imageEnv)
	for k, v := range e.version.Env {
		env[k] = v
	}
	env["CATTLE_INSTANCE_ID"] = e.inst.ID
	env["CATTLE_ZONE"] = e.inst.Zone
	env["CATTLE_TEMPLATE"] = e.inst.Template
	env["CATTLE_TEMPLATE_VERSION"] = strconv.Itoa(e.inst.TemplateVersion)
	return env
}

// envDifferences compares environments; a variable only the container
// has is told only when the image's own are known (it may be the image's).
func envDifferences(want map[string]string, actual []string, imageKnown bool) []Difference {
	got := envMap(actual)
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var out []Difference
	for _, k := range sortedKeys(keys) {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case inWant && !inGot:
			out = append(out, Difference{Kind: KindConfig, Field: "env." + k, Expected: w, Actual: "(unset)", Change: ChangeRemove})
		case !inWant && inGot && imageKnown:
			out = append(out, Difference{Kind: KindConfig, Field: "env." + k, Expected: "(unset)", Actual: g, Change: ChangeAdd})
		case w != g:
			out = append(out, Difference{Kind: KindConfig, Field: "env." + k, Expected: w, Actual: g, Change: ChangeModify})
		}
	}
	return out
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// kindOf is the kind an instance's drift is reported as: the first of
// its differences by how much they say (a stopped container's files
// matter less than that it stopped).
func kindOf(ds []Difference) string {
	for _, k := range []string{KindMissing, KindState, KindImage, KindConfig, KindFilesystem} {
		for _, d := range ds {
			if d.Kind == k {
				return k
			}
		}
	}
	return ""
}

func changeOf(want, got string) string {
	switch {
	case want == "" || want == "(none)":
		return ChangeAdd
	case got == "" || got == "(none)":
		return ChangeRemove
	}
	return ChangeModify
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p) + "/tcp"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// imageName is the reference a container was made from, unless that is
// only its id (then the short id alone says it).
func imageName(c sandbox.Container) string {
	if c.ImageRef == "" || strings.HasPrefix(c.ImageRef, "sha256:") {
		return "an untagged image"
	}
	return c.ImageRef
}

func clipText(s string) string {
	if len(s) > 32 {
		return s[:29] + "..."
	}
	return s
}

func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	if id == "" {
		return "unknown"
	}
	return id
}

// summaryOf is one line about a drift, for events and reasons.
func summaryOf(ds []Difference) string {
	var parts []string
	for i, d := range ds {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ds)-3))
			break
		}
		if d.Path != "" {
			parts = append(parts, fmt.Sprintf("%s %s (%s)", d.Kind, d.Path, d.Change))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s %s -> %s", d.Kind, d.Field, clipText(d.Expected), clipText(d.Actual)))
	}
	return strings.Join(parts, ", ")
}
