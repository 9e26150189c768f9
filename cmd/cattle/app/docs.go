package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// docsDate stands in the man pages' footer. It is fixed, not the build's
// time, so that the committed pages only change when the commands do.
var docsDate = time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC)

func newDocsCommand(env *Env) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "write the reference: a Markdown page and a man page per command, and the scenario steps",
		Long: describe("Write the reference: a Markdown page and a man page per command, and the scenario steps.",
			"Writes DIR/cattle*.md (one page per command), DIR/man/cattle*.1 and DIR/scenario-steps.md\n"+
				"(every step of the scenario language with its keys and an example), all from the code.\n"+
				"The repository keeps them in docs/cli (make docs); a test fails when they are stale."),
		Args: noArgs, Annotations: map[string]string{annotNoSandbox: ""},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := writeDocs(cmd.Root(), dir); err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "reference written to %s\n", dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "docs/cli", "`DIR` to write the reference into")
	return cmd
}

// writeDocs writes the reference of root's tree into dir.
func writeDocs(root *cobra.Command, dir string) error {
	disableAutoGenTag(root)
	man := filepath.Join(dir, "man")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return err
	}
	header := &doc.GenManHeader{Title: "CATTLE", Section: "1", Source: "cattle", Manual: "cattle manual", Date: &docsDate}
	if err := doc.GenManTree(root, header, man); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "scenario-steps.md"), scenarioStepsMarkdown(), 0o644)
}

// disableAutoGenTag drops the "generated on DATE" line from every page.
func disableAutoGenTag(cmd *cobra.Command) {
	cmd.DisableAutoGenTag = true
	for _, c := range cmd.Commands() {
		disableAutoGenTag(c)
	}
}

// scenarioStepsMarkdown is the scenario language's reference, from the
// step registry: what `cattle scenario steps` lists.
func scenarioStepsMarkdown() []byte {
	var b bytes.Buffer
	b.WriteString("# Scenario steps\n\n")
	b.WriteString("Every action and expectation a scenario's `steps` (and, where noted, `setup`) can use,\n")
	b.WriteString("as `cattle scenario steps` lists them. Generated from the step registry by `make docs`.\n")
	b.WriteString("\n## Keys every step takes, and windows\n\n```\n" + stepsPreamble + "```\n")
	for _, r := range stepRows() {
		fmt.Fprintf(&b, "\n## %s\n\n%s (%s).\n", r.Step, strings.TrimSuffix(r.Summary, "."), r.Kind)
		if r.Example != "" {
			fmt.Fprintf(&b, "\n```yaml\n- %s\n```\n", r.Example)
		}
		if len(r.Keys) > 0 {
			b.WriteString("\n| key | default |\n| --- | --- |\n")
			for _, p := range r.Keys {
				def := strings.TrimPrefix(paramDefault(p), "default ")
				fmt.Fprintf(&b, "| `%s` | %s |\n", p.Key, strings.ReplaceAll(def, "|", `\|`))
			}
		}
	}
	return b.Bytes()
}
