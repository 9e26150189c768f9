package scenarios

import (
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// compact renders a node as one line of flow YAML, at most max bytes, for
// the timeline: `{group: web, healthy: 3}`.
func compact(n ast.Node, max int) string {
	var b strings.Builder
	writeCompact(&b, n, max, 0)
	s := b.String()
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func writeCompact(b *strings.Builder, n ast.Node, max, depth int) {
	if b.Len() > max || depth > maxDepth {
		return
	}
	switch x := n.(type) {
	case nil, *ast.NullNode:
		b.WriteString("~")
	case *ast.MappingNode:
		b.WriteString("{")
		for i, mv := range x.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writePair(b, mv, max, depth)
		}
		b.WriteString("}")
	case *ast.MappingValueNode:
		b.WriteString("{")
		writePair(b, x, max, depth)
		b.WriteString("}")
	case *ast.SequenceNode:
		b.WriteString("[")
		for i, v := range x.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			writeCompact(b, v, max, depth+1)
		}
		b.WriteString("]")
	case *ast.LiteralNode:
		s, _ := ScalarText(x)
		b.WriteString(oneLine(s))
	default:
		if reflect.ValueOf(n).IsNil() {
			b.WriteString("~")
			return
		}
		if s, ok := ScalarText(n); ok {
			b.WriteString(s)
			return
		}
		b.WriteString(oneLine(n.String()))
	}
}

func writePair(b *strings.Builder, mv *ast.MappingValueNode, max, depth int) {
	if mv == nil {
		return
	}
	if k, ok := ScalarText(mv.Key); ok {
		b.WriteString(k)
	}
	b.WriteString(": ")
	writeCompact(b, mv.Value, max, depth+1)
}

func reflectElem(v any) reflect.Value { return reflect.ValueOf(v).Elem() }
