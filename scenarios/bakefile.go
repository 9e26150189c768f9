package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/cattle-dev/cattle/images/bake"
)

// BakeKeys are the keys of a bake file (see images/bake), as a bake file
// or a scenario's bake step writes them. They are read by the scenario
// decoder, so that a bad bake file is reported as a bad scenario is: file,
// line and column.
type BakeKeys struct {
	Name         string             `yaml:"name" default:"none: required without file"`
	Tags         []string           `yaml:"tags" default:"[latest]"`
	From         BakeFrom           `yaml:"from" default:"none: required without file"`
	Provisioners []bake.Provisioner `yaml:"provisioners" default:"none"`
	Changes      bake.Changes       `yaml:"changes" default:"none"`
	Test         []bake.Command     `yaml:"test" default:"none"`
	Timeout      Duration           `yaml:"timeout" default:"30m"`
}

// BakeFrom is a bake's base: a reference, or {rootfs: DIR|TAR}.
type BakeFrom bake.From

// DecodeYAML reads `from: builtin/demo` or `from: {rootfs: ./root}`.
func (f *BakeFrom) DecodeYAML(d *Decoder, n ast.Node) error {
	if s, ok := ScalarText(n); ok {
		f.Image = s
		return nil
	}
	var from bake.From
	if err := d.Decode(n, &from); err != nil {
		return err
	}
	*f = BakeFrom(from)
	return nil
}

// Spec is the bake the keys state, its paths still as written.
func (k BakeKeys) Spec() bake.Spec {
	s := bake.Spec{Name: k.Name, Tags: k.Tags, From: bake.From(k.From), Provisioners: k.Provisioners,
		Changes: k.Changes, Test: k.Test}
	if k.Timeout > 0 {
		s.Timeout = k.Timeout.String()
	}
	return s
}

// ParseBakeFile reads a bake file: ${var} and ${var:-default} are
// substituted from vars first, then the keys are read strictly. Every error
// is a *FileError naming file, line and column. The spec's relative paths
// are made absolute from the file's folder.
func ParseBakeFile(file string, data []byte, vars map[string]string) (bake.Spec, error) {
	if len(data) > maxFileSize {
		return bake.Spec{}, &FileError{Pos: Position{File: file}, Msg: fmt.Sprintf("is %d bytes: a bake file is at most %d", len(data), maxFileSize)}
	}
	if !utf8.Valid(data) {
		return bake.Spec{}, &FileError{Pos: Position{File: file}, Msg: "is not UTF-8 text"}
	}
	text, err := substitute(file, string(data), vars)
	if err != nil {
		return bake.Spec{}, err
	}
	f, err := parseYAML(file, []byte(text))
	if err != nil {
		return bake.Spec{}, err
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc != nil && !isNull(doc.Body) {
			body = doc.Body
			break
		}
	}
	if body == nil {
		return bake.Spec{}, &FileError{Pos: Position{File: file}, Msg: "is empty: a bake needs at least name and from"}
	}
	d := newDecoder(file)
	d.push("bake")
	var keys BakeKeys
	d.collect(d.Decode(body, &keys))
	if len(d.errs) > 0 {
		return bake.Spec{}, fileErrors(d.errs)
	}
	spec := keys.Spec()
	if err := spec.Validate(); err != nil {
		return bake.Spec{}, d.Errorf(nodeAtPath(body, err), "%v", err)
	}
	spec.Resolve(filepath.Dir(file))
	if abs, err := filepath.Abs(file); err == nil {
		spec.File = abs
	}
	sum := sha256.Sum256(data)
	spec.FileSHA256 = hex.EncodeToString(sum[:])
	return spec, nil
}

// ReadBakeFile reads and parses a bake file.
func ReadBakeFile(file string, vars map[string]string) (bake.Spec, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return bake.Spec{}, &FileError{Pos: Position{File: file}, Msg: readError(err)}
	}
	return ParseBakeFile(file, data, vars)
}

// nodeAtPath is the node a spec's FieldError names ("provisioners[1].file"),
// or the whole document when it names none.
func nodeAtPath(body ast.Node, err error) ast.Node {
	var fe *bake.FieldError
	if !errors.As(err, &fe) {
		return body
	}
	p, perr := yaml.PathString("$." + fe.Path)
	if perr != nil {
		return body
	}
	// The deepest part of the path that the file writes: a missing key is
	// reported where its parent is.
	for p != nil {
		if n, err := p.FilterNode(body); err == nil && !isNil(n) {
			return n
		}
		parent := fe.Path[:max(strings.LastIndexAny(fe.Path, ".["), 0)]
		if parent == "" {
			return body
		}
		fe = &bake.FieldError{Path: parent}
		p, _ = yaml.PathString("$." + parent)
	}
	return body
}

// substitute replaces ${var} and ${var:-default} in a bake file's text;
// $${ stands for a literal ${. An undefined variable without a default is
// an error at its place.
func substitute(file, text string, vars map[string]string) (string, error) {
	var out strings.Builder
	line, col := 1, 1
	for i := 0; i < len(text); {
		if strings.HasPrefix(text[i:], "$${") {
			out.WriteString("${")
			i, col = i+3, col+3
			continue
		}
		if !strings.HasPrefix(text[i:], "${") {
			r, size := utf8.DecodeRuneInString(text[i:])
			out.WriteRune(r)
			if r == '\n' {
				line, col = line+1, 0
			}
			i, col = i+size, col+1
			continue
		}
		end := strings.IndexAny(text[i:], "}\n")
		if end < 0 || text[i+end] != '}' {
			return "", &FileError{Pos: Position{File: file, Line: line, Column: col}, Msg: "${ is not closed with }"}
		}
		val, err := lookupVar(text[i+2:i+end], vars)
		if err != nil {
			return "", &FileError{Pos: Position{File: file, Line: line, Column: col}, Msg: err.Error()}
		}
		out.WriteString(val)
		col += utf8.RuneCountInString(text[i : i+end+1])
		i += end + 1
	}
	return out.String(), nil
}

func lookupVar(expr string, vars map[string]string) (string, error) {
	name, def, hasDef := strings.Cut(expr, ":-")
	if !envName(name) {
		return "", fmt.Errorf("${%s}: %q is not a variable name (letters, digits and _)", clip(expr, 40), clip(name, 40))
	}
	if v, ok := vars[name]; ok {
		return v, nil
	}
	if hasDef {
		return def, nil
	}
	return "", fmt.Errorf("variable %q is not defined: pass --var %s=VALUE or write ${%s:-default}", name, name, name)
}

func envName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
