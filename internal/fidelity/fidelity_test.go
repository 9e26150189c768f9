package fidelity

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the module's root, two directories up.
const root = "../.."

var (
	idsComment = regexp.MustCompile(`<!-- ids: ([^>]*?) -->`)
	validID    = regexp.MustCompile(`^[a-z0-9]+(\.[a-z0-9-]+)+$`)
	// testRef is `path/to/pkg.TestName`; scenarioRef is `scenario NAME`.
	testRef     = regexp.MustCompile("`([a-z0-9_./-]+)\\.(Test\\w+)`")
	scenarioRef = regexp.MustCompile("scenario `([a-z0-9-]+)`")
)

// rule is one rule of docs/semantics.md: a bullet, a table row or a
// paragraph of a section, with the ids it carries.
type rule struct {
	line int
	text string
	ids  []string
}

// row is one row of the index.
type row struct {
	line         int
	id, proof    string
	tests, scens [][]string
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseRules splits the sections of semantics.md (from the first "## ")
// into rules: a bullet with its continuation lines, a table row (headers
// and separators aside), or a paragraph.
func parseRules(text string) []rule {
	var out []rule
	var cur *rule
	flush := func() {
		if cur != nil {
			for _, m := range idsComment.FindAllStringSubmatch(cur.text, -1) {
				cur.ids = append(cur.ids, strings.Fields(m[1])...)
			}
			out = append(out, *cur)
			cur = nil
		}
	}
	inSection, header := false, false
	for i, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			flush()
			inSection = true
		case !inSection || strings.HasPrefix(l, "<!--"):
		case strings.TrimSpace(l) == "":
			flush()
			header = true
		case strings.HasPrefix(l, "|"):
			flush()
			// The first row of a table is its header, the second its separator.
			if !header && !strings.HasPrefix(l, "|---") {
				out = append(out, rule{line: i + 1, text: l, ids: idsOf(l)})
			}
			header = false
		case strings.HasPrefix(l, "- ") || cur == nil:
			flush()
			cur = &rule{line: i + 1, text: l}
		default:
			cur.text += "\n" + l
		}
	}
	flush()
	return out
}

func idsOf(s string) []string {
	var out []string
	for _, m := range idsComment.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.Fields(m[1])...)
	}
	return out
}

// parseIndex reads the rows of the index's tables: | id | rule | proof |.
func parseIndex(text string) []row {
	var out []row
	for i, l := range strings.Split(text, "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|")
		if !strings.HasPrefix(l, "| `") || len(cells) < 3 {
			continue
		}
		r := row{line: i + 1, id: strings.Trim(strings.TrimSpace(cells[0]), "`"), proof: strings.TrimSpace(cells[len(cells)-1])}
		for _, m := range testRef.FindAllStringSubmatch(r.proof, -1) {
			r.tests = append(r.tests, m[1:])
		}
		for _, m := range scenarioRef.FindAllStringSubmatch(r.proof, -1) {
			r.scens = append(r.scens, m[1:])
		}
		out = append(out, r)
	}
	return out
}

func TestEveryRuleHasARow(t *testing.T) {
	rules := parseRules(read(t, "docs/semantics.md"))
	if len(rules) < 40 {
		t.Fatalf("only %d rules read from docs/semantics.md: the parser lost its way", len(rules))
	}
	rows := map[string]row{}
	for _, r := range parseIndex(read(t, "docs/fidelity.md")) {
		if _, dup := rows[r.id]; dup {
			t.Errorf("docs/fidelity.md:%d: id %s has two rows", r.line, r.id)
		}
		rows[r.id] = r
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if len(r.ids) == 0 {
			t.Errorf("docs/semantics.md:%d: rule %.60q has no id: add <!-- ids: area.rule --> at its end and a row in docs/fidelity.md", r.line, r.text)
		}
		for _, id := range r.ids {
			switch {
			case !validID.MatchString(id):
				t.Errorf("docs/semantics.md:%d: id %q is not of the form area.rule-name", r.line, id)
			case seen[id]:
				t.Errorf("docs/semantics.md:%d: id %s is given to two rules", r.line, id)
			}
			seen[id] = true
			if _, ok := rows[id]; !ok {
				t.Errorf("docs/semantics.md:%d: rule %s has no row in docs/fidelity.md: add one naming its test, or say why it is not modelled", r.line, id)
			}
		}
	}
}

func TestEveryRowNamesAProofThatExists(t *testing.T) {
	tests := map[string]map[string]bool{} // package dir -> test names
	for _, r := range parseIndex(read(t, "docs/fidelity.md")) {
		lower := strings.ToLower(r.proof)
		claims := strings.HasPrefix(lower, "not modelled:") || strings.HasPrefix(lower, "pending")
		if len(r.tests)+len(r.scens) == 0 && !claims {
			t.Errorf("docs/fidelity.md:%d: %s names no test (`pkg/path.TestName`), no scenario (scenario `name`), and is not \"not modelled: why\" or \"pending\"", r.line, r.id)
		}
		if strings.HasPrefix(lower, "not modelled") && !strings.HasPrefix(lower, "not modelled: ") {
			t.Errorf("docs/fidelity.md:%d: %s says not modelled without saying why", r.line, r.id)
		}
		for _, ref := range r.tests {
			dir, name := ref[0], ref[1]
			if tests[dir] == nil {
				tests[dir] = testFuncs(t, dir)
			}
			if !tests[dir][name] {
				t.Errorf("docs/fidelity.md:%d: %s names %s.%s, which does not exist", r.line, r.id, dir, name)
			}
		}
		for _, s := range r.scens {
			if _, err := os.Stat(filepath.Join(root, "scenarios", "builtin", s[0]+".yaml")); err != nil {
				t.Errorf("docs/fidelity.md:%d: %s names scenario %s, which is not a built-in", r.line, r.id, s[0])
			}
		}
	}
}

// testFuncs lists the Test functions of a package directory's test files.
func testFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	files, _ := filepath.Glob(filepath.Join(root, dir, "*_test.go"))
	fset := token.NewFileSet()
	for _, f := range files {
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				out[fn.Name.Name] = true
			}
		}
	}
	return out
}

func TestParseRulesSplitsBulletsRowsAndParagraphs(t *testing.T) {
	text := "intro\n\n## A\n\n- one\n  more <!-- ids: a.one -->\n- two\n\n| h | h |\n|---|---|\n| r | x | <!-- ids: a.row -->\n\nA paragraph\nof two lines.\n"
	got := parseRules(text)
	if len(got) != 4 || len(got[0].ids) != 1 || got[0].ids[0] != "a.one" || len(got[1].ids) != 0 ||
		got[2].ids[0] != "a.row" || !strings.HasPrefix(got[3].text, "A paragraph\nof") {
		t.Fatalf("rules %+v", got)
	}
}
