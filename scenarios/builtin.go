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

//go:embed builtin/*.yaml
var builtinFS embed.FS

// Builtin is a scenario shipped inside the binary.
type Builtin struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      []byte `json:"-"`
}

// Builtins lists the built-in scenarios by name.
func Builtins() []Builtin {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var out []Builtin
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			continue
		}
		// Only the header: listing must work even for a scenario whose
		// steps this build cannot run.
		var head struct {
			Description string `yaml:"description"`
		}
		_ = yaml.Unmarshal(data, &head)
		out = append(out, Builtin{Name: strings.TrimSuffix(e.Name(), ".yaml"), Description: oneLine(head.Description), Source: data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupBuiltin returns the built-in scenario called name.
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range Builtins() {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}

// BuiltinNames lists the built-ins' names.
func BuiltinNames() []string {
	var names []string
	for _, b := range Builtins() {
		names = append(names, b.Name)
	}
	return names
}

// Load reads a scenario from a file, or a built-in by name. A path that
// exists wins over a built-in of the same name.
func Load(nameOrPath string) (*Scenario, error) {
	if _, err := os.Stat(nameOrPath); err == nil {
		return ParseFile(nameOrPath)
	}
	if b, ok := LookupBuiltin(nameOrPath); ok {
		return Parse("builtin/"+b.Name+".yaml", b.Source)
	}
	if strings.ContainsAny(nameOrPath, `/\`) || strings.HasSuffix(nameOrPath, ".yaml") || strings.HasSuffix(nameOrPath, ".yml") {
		return nil, &FileError{Pos: Position{File: nameOrPath}, Msg: "no such file"}
	}
	return nil, &FileError{Pos: Position{File: nameOrPath}, Msg: fmt.Sprintf("is neither a file nor a built-in scenario%s (built-ins: %s)",
		didYouMean(nameOrPath, BuiltinNames()), strings.Join(BuiltinNames(), ", "))}
}
