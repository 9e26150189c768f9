package api_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// route is one route of the API as the package's source registers it.
type route struct {
	method    string   // GET, POST, ...
	pattern   string   // /v1/groups/{name}/scale
	readsBody bool     // its handler decodes a request body
	query     []string // the query parameters its handler reads
}

func (r route) String() string { return r.method + " " + r.pattern }

// wildcards are the {names} of the pattern, in order.
func (r route) wildcards() []string {
	var out []string
	for _, m := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(r.pattern, -1) {
		out = append(out, m[1])
	}
	return out
}

// queryReaders are the functions a handler reads a query parameter with;
// the parameter's name is their second argument.
var queryReaders = []string{"queryCount", "querySeq", "queryDuration", "queryBool"}

// apiRoutes reads every route registered with HandleFunc or Handle in the
// package's source, so that a route added in any file is walked by the
// tests without anyone listing it. The catch-all "/" is left out.
func apiRoutes(t testing.TB) []route {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string]*ast.BlockStmt{} // functions and methods by name
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				funcs[fd.Name.Name] = fd.Body
			}
		}
	}
	var out []route
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			if r, ok := registeredRoute(n, funcs); ok {
				out = append(out, r)
			}
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("found no routes in the package's source")
	}
	return out
}

// registeredRoute reads a mux.HandleFunc("METHOD /path", handler) call.
func registeredRoute(n ast.Node, funcs map[string]*ast.BlockStmt) (route, bool) {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) != 2 {
		return route{}, false
	}
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || (sel.Sel.Name != "HandleFunc" && sel.Sel.Name != "Handle") {
		return route{}, false
	}
	lit, ok := call.Args[0].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return route{}, false
	}
	pattern, _ := strconv.Unquote(lit.Value)
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return route{}, false // the catch-all
	}
	r := route{method: method, pattern: path}
	handlerReads(call.Args[1], funcs, map[string]bool{}, &r)
	return r, true
}

// handlerReads follows a handler through the package's functions it calls
// and notes whether it decodes a body and which query parameters it reads.
func handlerReads(n ast.Node, funcs map[string]*ast.BlockStmt, seen map[string]bool, r *route) {
	ast.Inspect(n, func(n ast.Node) bool {
		var name string
		switch x := n.(type) {
		case *ast.Ident:
			name = x.Name
		case *ast.SelectorExpr:
			name = x.Sel.Name
		case *ast.CallExpr:
			noteCall(x, r)
		}
		if body, ok := funcs[name]; ok && !seen[name] {
			seen[name] = true
			handlerReads(body, funcs, seen, r)
		}
		return true
	})
}

func noteCall(call *ast.CallExpr, r *route) {
	var name string
	switch f := call.Fun.(type) {
	case *ast.Ident:
		name = f.Name
	case *ast.SelectorExpr:
		name = f.Sel.Name
	}
	var param ast.Expr
	switch {
	case name == "decode":
		r.readsBody = true
	case slices.Contains(queryReaders, name) && len(call.Args) == 2:
		param = call.Args[1]
	case name == "Get" && len(call.Args) == 1 && isQueryCall(call.Fun):
		param = call.Args[0] // r.URL.Query().Get("name")
	}
	if lit, ok := param.(*ast.BasicLit); ok {
		q, _ := strconv.Unquote(lit.Value)
		if !slices.Contains(r.query, q) {
			r.query = append(r.query, q)
		}
	}
}

// isQueryCall tells whether fun is X.Query().Get.
func isQueryCall(fun ast.Expr) bool {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	inner, ok := sel.X.(*ast.CallExpr)
	if !ok {
		return false
	}
	q, ok := inner.Fun.(*ast.SelectorExpr)
	return ok && q.Sel.Name == "Query"
}

// The route table read from the source is the one the server serves: every
// route answers on its own, not through the catch-all, and the ones known
// to take a body or a query parameter are seen to.
func TestRoutesReadFromTheSourceAreServed(t *testing.T) {
	cp := newControlPlane(t)
	srv := newAPIServer(t, cp)
	byName := map[string]route{}
	for _, r := range apiRoutes(t) {
		byName[r.String()] = r
		resp := srv.send(t, r.method, fillPath(r.pattern, func(string) string { return "nope" }), "")
		if strings.Contains(resp.message, "no API route") {
			t.Errorf("%s: answered by the catch-all: %s", r, resp.message)
		}
	}
	for name, want := range map[string]route{
		"POST /v1/groups":                       {readsBody: true},
		"GET /v1/events":                        {query: []string{"after", "limit", "wait"}},
		"GET /v1/instances/{id}/logs":           {query: []string{"tail"}},
		"DELETE /v1/groups/{name}":              {query: []string{"force"}},
		"PUT /v1/loadbalancers/{name}/forwards": {readsBody: true},
	} {
		got, ok := byName[name]
		if !ok || got.readsBody != want.readsBody || !slices.Equal(got.query, want.query) {
			t.Errorf("route %s read from the source as %+v, want body %v, query %v", name, got, want.readsBody, want.query)
		}
	}
}

// fillPath puts a value for each {wildcard} of a pattern, escaped.
func fillPath(pattern string, value func(wildcard string) string) string {
	return regexp.MustCompile(`\{(\w+)\}`).ReplaceAllStringFunc(pattern, func(m string) string {
		return urlPathEscape(value(m[1 : len(m)-1]))
	})
}
