package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

//go:embed builtin/*.yaml cookbook/*.yaml
var builtinFS embed.FS

// Builtin is a scenario shipped inside the binary: a built-in, or an
// example of the cookbook.
type Builtin struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Dir is "builtin" or "cookbook".
	Dir    string `json:"-"`
	Source []byte `json:"-"`
}

// File is how messages name it: builtin/tour.yaml.
func (b Builtin) File() string { return b.Dir + "/" + b.Name + ".yaml" }

// Builtins lists the built-in scenarios by name.
func Builtins() []Builtin { return embedded("builtin") }

// Cookbook lists the cookbook's examples by name: short scenarios, each
// answering one question an author asks ("how do I assert a capacity
// floor?"), shown by `scenario show` and run like the built-ins.
func Cookbook() []Builtin { return embedded("cookbook") }

func embedded(dir string) []Builtin {
	entries, _ := fs.ReadDir(builtinFS, dir)
	var out []Builtin
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		// Only the header: listing must work even for a scenario whose
		// steps this build cannot run.
		var head struct {
			Description string `yaml:"description"`
		}
		_ = yaml.Unmarshal(data, &head)
		out = append(out, Builtin{Name: strings.TrimSuffix(e.Name(), ".yaml"), Description: oneLine(head.Description), Dir: dir, Source: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupBuiltin returns the built-in scenario or cookbook example called
// name.
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range append(Builtins(), Cookbook()...) {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}

// BuiltinNames lists the names of the built-ins, then the cookbook's.
func BuiltinNames() []string {
	var names []string
	for _, b := range append(Builtins(), Cookbook()...) {
		names = append(names, b.Name)
	}
	return names
}

// Load reads a scenario from a file, or a built-in by name. A path that
// exists wins over a built-in of the same name.
func Load(nameOrPath string) (*Scenario, error) { return load(nameOrPath, Parse) }

// LoadChecked is Load, and Check: what `scenario check` and a run do before
// anything starts.
func LoadChecked(nameOrPath string) (*Scenario, error) { return load(nameOrPath, ParseChecked) }

func load(nameOrPath string, parse func(string, []byte) (*Scenario, error)) (*Scenario, error) {
	if _, err := os.Stat(nameOrPath); err == nil {
		data, err := os.ReadFile(nameOrPath)
		if err != nil {
			return nil, &FileError{Pos: Position{File: nameOrPath}, Msg: readError(err)}
		}
		return parse(nameOrPath, data)
	}
	if b, ok := LookupBuiltin(nameOrPath); ok {
		return parse(b.File(), b.Source)
	}
	if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") {
		return nil, &FileError{Pos: Position{File: nameOrPath}, Msg: "no such file"}
	}
	return nil, &FileError{Pos: Position{File: nameOrPath}, Msg: fmt.Sprintf("is neither a file nor a built-in scenario%s (built-ins: %s)",
		didYouMean(nameOrPath, BuiltinNames()), strings.Join(BuiltinNames(), ", "))}
}
