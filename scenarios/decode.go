package scenarios

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/goccy/go-yaml/ast"
)

// NodeDecoder is implemented by values that read themselves from a YAML
// node: durations, rates, instance selectors, step references.
type NodeDecoder interface {
	DecodeYAML(d *Decoder, n ast.Node) error
}

// Decoder reads YAML nodes into typed values, strictly: unknown keys,
// missing required keys and values of the wrong kind are errors that name
// the file, line and column. Struct fields are named by their `yaml` tag;
// ",required" makes a key mandatory and ",inline" flattens an embedded
// struct into its parent.
type Decoder struct {
	file  string
	where []string // the keys leading to the node being read
	depth int

	stepNames map[string]int  // names of the steps read so far
	step      int             // the number of the step being read (0 in setup)
	saved     map[string]bool // names given with `as:` so far

	st   *Step        // the step being read, which notes the names it uses
	errs []*FileError // every problem found so far
}

// maxDepth bounds nesting, so that a hostile file cannot recurse deeply.
const maxDepth = 32

func newDecoder(file string) *Decoder {
	return &Decoder{file: file, stepNames: map[string]int{}, saved: map[string]bool{}}
}

// Errorf returns a FileError at node n.
func (d *Decoder) Errorf(n ast.Node, format string, args ...any) error {
	return &FileError{Pos: d.pos(n), Msg: fmt.Sprintf(format, args...)}
}

// Where names the key being read and what holds it: "within in expect".
func (d *Decoder) Where() string {
	switch len(d.where) {
	case 0:
		return "the scenario"
	case 1:
		return d.where[0]
	}
	return d.where[len(d.where)-1] + " in " + strings.Join(d.where[:len(d.where)-1], ".")
}

// container names what holds the keys being read: "expect", "template.health".
func (d *Decoder) container() string {
	if len(d.where) == 0 {
		return "the scenario"
	}
	return strings.Join(d.where, ".")
}

func (d *Decoder) push(key string) { d.where = append(d.where, key) }
func (d *Decoder) pop()            { d.where = d.where[:len(d.where)-1] }

func (d *Decoder) pos(n ast.Node) Position {
	line, col := nodePos(n)
	return Position{File: d.file, Line: line, Column: col}
}

// nodePos is where a node starts: a block mapping's token is its first
// colon, so its first key stands for it.
func nodePos(n ast.Node) (line, col int) {
	if isNil(n) {
		return 0, 0
	}
	switch x := n.(type) {
	case *ast.MappingNode:
		if !x.IsFlowStyle && len(x.Values) > 0 {
			return nodePos(x.Values[0])
		}
		if x.Start != nil && x.Start.Position != nil {
			return x.Start.Position.Line, x.Start.Position.Column
		}
	case *ast.MappingValueNode:
		if !isNil(x.Key) {
			return nodePos(x.Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return 0, 0
	}
	return tk.Position.Line, tk.Position.Column
}

// isNil reports a missing node, typed or not.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func isNull(n ast.Node) bool {
	if isNil(n) {
		return true
	}
	_, ok := n.(*ast.NullNode)
	return ok
}

// ScalarText returns a scalar node's text as written ("5s", "200/s", "3").
func ScalarText(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.LiteralNode:
		if x.Value == nil {
			return "", true
		}
		return x.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names a node's kind for messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "nothing"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "true/false"
	}
	if s, ok := ScalarText(n); ok {
		return fmt.Sprintf("%q", clip(s, 40))
	}
	return "something else"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// plain refuses the YAML features a scenario does not use, so that no
// alias can blow a small file up into a huge one.
func (d *Decoder) plain(n ast.Node) error {
	switch x := n.(type) {
	case *ast.TagNode:
		return d.Errorf(n, "YAML tags (%s) are not supported in scenario files", x.Start.Value)
	case *ast.AnchorNode, *ast.AliasNode:
		return d.Errorf(n, "anchors and aliases are not supported in scenario files: write the value out")
	case *ast.MergeKeyNode:
		return d.Errorf(n, "merge keys (<<) are not supported in scenario files")
	}
	return nil
}

// pair is one key and its value in a mapping.
type pair struct {
	key     string
	keyNode ast.Node
	value   ast.Node
}

// pairs returns the entries of a mapping node.
func (d *Decoder) pairs(n ast.Node) ([]pair, error) {
	if err := d.plain(n); err != nil {
		return nil, err
	}
	var values []*ast.MappingValueNode
	switch x := n.(type) {
	case *ast.MappingNode:
		values = x.Values
	case *ast.MappingValueNode:
		values = []*ast.MappingValueNode{x}
	default:
		return nil, d.Errorf(n, "%s needs a mapping (key: value), not %s", d.container(), describe(n))
	}
	out := make([]pair, 0, len(values))
	for _, mv := range values {
		if isNil(mv.Key) {
			return nil, d.Errorf(mv, "a key is missing in %s", d.container())
		}
		if err := d.plain(mv.Key); err != nil {
			return nil, err
		}
		key, ok := ScalarText(mv.Key)
		if !ok {
			return nil, d.Errorf(mv.Key, "keys in %s must be plain words", d.container())
		}
		out = append(out, pair{key: key, keyNode: mv.Key, value: mv.Value})
	}
	return out, nil
}

// Decode reads node n into the value v points to.
func (d *Decoder) Decode(n ast.Node, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("scenarios: Decode needs a non-nil pointer")
	}
	return d.decodeValue(n, rv.Elem())
}

var nodeDecoderType = reflect.TypeFor[NodeDecoder]()

func (d *Decoder) decodeValue(n ast.Node, v reflect.Value) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxDepth {
		return d.Errorf(n, "%s is nested too deeply", d.container())
	}
	if !isNil(n) {
		if err := d.plain(n); err != nil {
			return err
		}
	}
	if v.CanAddr() && v.Addr().Type().Implements(nodeDecoderType) {
		if isNull(n) {
			return d.Errorf(n, "%s needs a value", d.Where())
		}
		return v.Addr().Interface().(NodeDecoder).DecodeYAML(d, n)
	}
	switch v.Kind() {
	case reflect.Pointer:
		if isNull(n) {
			return nil
		}
		p := reflect.New(v.Type().Elem())
		if err := d.decodeValue(n, p.Elem()); err != nil {
			return err
		}
		v.Set(p)
		return nil
	case reflect.String:
		s, ok := ScalarText(n)
		if !ok {
			return d.Errorf(n, "%s needs text, not %s", d.Where(), describe(n))
		}
		v.SetString(s)
		return nil
	case reflect.Bool:
		b, ok := n.(*ast.BoolNode)
		if !ok {
			return d.Errorf(n, "%s needs true or false, not %s", d.Where(), describe(n))
		}
		v.SetBool(b.Value)
		return nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return d.decodeInt(n, v)
	case reflect.Float32, reflect.Float64:
		return d.decodeFloat(n, v)
	case reflect.Slice:
		return d.decodeSlice(n, v)
	case reflect.Map:
		return d.decodeMap(n, v)
	case reflect.Struct:
		ps, err := d.pairs(n)
		if err != nil {
			return err
		}
		return d.decodeFields(n, ps, v)
	}
	panic(fmt.Sprintf("scenarios: cannot decode into %s", v.Type()))
}

func (d *Decoder) decodeInt(n ast.Node, v reflect.Value) error {
	x, ok := n.(*ast.IntegerNode)
	if !ok {
		return d.Errorf(n, "%s needs a whole number, not %s", d.Where(), describe(n))
	}
	var i int64
	switch val := x.Value.(type) {
	case int64:
		i = val
	case uint64:
		if val > 1<<62 {
			return d.Errorf(n, "%s: %d is too large", d.Where(), val)
		}
		i = int64(val)
	default:
		return d.Errorf(n, "%s needs a whole number", d.Where())
	}
	if v.OverflowInt(i) {
		return d.Errorf(n, "%s: %d is too large", d.Where(), i)
	}
	v.SetInt(i)
	return nil
}

func (d *Decoder) decodeFloat(n ast.Node, v reflect.Value) error {
	switch x := n.(type) {
	case *ast.FloatNode:
		v.SetFloat(x.Value)
		return nil
	case *ast.IntegerNode:
		switch val := x.Value.(type) {
		case int64:
			v.SetFloat(float64(val))
			return nil
		case uint64:
			v.SetFloat(float64(val))
			return nil
		}
	}
	return d.Errorf(n, "%s needs a number, not %s", d.Where(), describe(n))
}

func (d *Decoder) decodeSlice(n ast.Node, v reflect.Value) error {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if isNull(n) {
			return nil
		}
		return d.Errorf(n, "%s needs a list, like [a, b], not %s", d.Where(), describe(n))
	}
	out := reflect.MakeSlice(v.Type(), len(seq.Values), len(seq.Values))
	for i, item := range seq.Values {
		if isNil(item) {
			return d.Errorf(n, "%s has an empty entry", d.Where())
		}
		if err := d.decodeValue(item, out.Index(i)); err != nil {
			return err
		}
	}
	v.Set(out)
	return nil
}

func (d *Decoder) decodeMap(n ast.Node, v reflect.Value) error {
	if v.Type().Key().Kind() != reflect.String {
		panic(fmt.Sprintf("scenarios: map keys must be strings, not %s", v.Type().Key()))
	}
	if isNull(n) {
		return nil
	}
	ps, err := d.pairs(n)
	if err != nil {
		return err
	}
	out := reflect.MakeMapWithSize(v.Type(), len(ps))
	for _, p := range ps {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.push(p.key)
		err := d.decodeValue(p.value, elem)
		d.pop()
		if err != nil {
			return err
		}
		out.SetMapIndex(reflect.ValueOf(p.key).Convert(v.Type().Key()), elem)
	}
	v.Set(out)
	return nil
}

// decodeFields fills a struct from key/value pairs. It reads every key
// even after a bad one, so that one check lists all of a step's problems;
// it then returns errNoted.
func (d *Decoder) decodeFields(n ast.Node, ps []pair, v reflect.Value) error {
	fields := structFields(v.Type())
	byKey := make(map[string]fieldInfo, len(fields))
	keys := make([]string, 0, len(fields))
	for _, f := range fields {
		byKey[f.key] = f
		keys = append(keys, f.key)
	}
	seen := map[string]bool{}
	failed := false
	for _, p := range ps {
		f, ok := byKey[p.key]
		if !ok {
			seen[closest(p.key, keys)] = true // a misspelt key is not also a missing one
			d.collect(d.Errorf(p.keyNode, "unknown key %q in %s%s", clip(p.key, 40), d.container(), didYouMean(p.key, keys)))
			failed = true
			continue
		}
		d.push(p.key)
		err := d.decodeValue(p.value, v.FieldByIndex(f.index))
		d.pop()
		seen[p.key] = true
		if err != nil {
			d.collect(err)
			failed = true
			continue
		}
		d.noteNames(f, p.value, v.FieldByIndex(f.index))
	}
	for _, f := range fields {
		if f.required && !seen[f.key] {
			d.collect(d.Errorf(n, "%s needs the key %q", d.container(), f.key))
			failed = true
		}
	}
	if failed {
		return errNoted
	}
	return nil
}

// nameUse is a name of a resource a step makes (def) or uses (ref), by
// the `def:"KIND"` and `ref:"KIND"` tags of its parameters.
type nameUse struct {
	kind   string // group, load_balancer, template, load
	name   string
	define bool
	pos    Position
}

// noteNames records the names a tagged field makes or uses, for Check.
func (d *Decoder) noteNames(f fieldInfo, n ast.Node, v reflect.Value) {
	if d.st == nil || (f.def == "" && f.ref == "") {
		return
	}
	kind, define := f.ref, false
	if f.def != "" {
		kind, define = f.def, true
	}
	add := func(name string, at ast.Node) {
		d.st.names = append(d.st.names, nameUse{kind: kind, name: name, define: define, pos: d.pos(at)})
	}
	switch x := v.Interface().(type) {
	case string:
		if x != "" {
			add(x, n)
		}
	case TemplateRef:
		add(x.Name, n)
	default:
		if v.Kind() == reflect.Map {
			ps, _ := d.pairs(n)
			for _, p := range ps {
				add(p.key, p.keyNode)
			}
		}
	}
}

// fieldInfo is one key a struct reads.
type fieldInfo struct {
	key      string
	index    []int
	required bool
	def, ref string // the kind of name the key makes or uses
	dflt     string // what applies when the key is absent, for the reference
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func structFields(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var out []fieldInfo
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && (name == "" || strings.Contains(opts, "inline")) {
			for _, sub := range structFields(f.Type) {
				sub.index = append([]int{i}, sub.index...)
				out = append(out, sub)
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, fieldInfo{key: name, index: []int{i}, required: strings.Contains(opts, "required"),
			def: f.Tag.Get("def"), ref: f.Tag.Get("ref"), dflt: f.Tag.Get("default")})
	}
	fieldCache.Store(t, out)
	return out
}

// fieldKeys lists the keys a struct reads, for suggestions.
func fieldKeys(t reflect.Type) []string {
	var keys []string
	for _, f := range structFields(t) {
		keys = append(keys, f.key)
	}
	return keys
}
