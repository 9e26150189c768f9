package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/scenarios"
)

type bakeFlags struct {
	vars  []string
	tags  []string
	check bool
}

func newImagesBakeCommand(env *Env) *cobra.Command {
	var f bakeFlags
	cmd := &cobra.Command{
		Use:   "bake FILE",
		Short: "bake an image from a bake file: build, test, push into the sandbox's registry",
		Long: "A bake file names the image (name, tags), its base (from), the provisioners run in a\n" +
			"container of the base (shell, file, env), the changes of the commit, and the tests run\n" +
			"in a fresh container of the result. Nothing is tagged or pushed unless every step and\n" +
			"test passed; a failed bake leaves no container behind. Paths are relative to the file;\n" +
			"${var} and ${var:-default} take --var values.",
		Example: "  cattle images bake web.bake.yaml --var version=v2\n  cattle images bake --check web.bake.yaml",
		Args:    exactArgs(1, "images bake takes one FILE: cattle images bake web.bake.yaml"),
		RunE: func(cmd *cobra.Command, args []string) error {
			vars, err := parseVars(f.vars)
			if err != nil {
				return err
			}
			spec, err := scenarios.ReadBakeFile(args[0], vars)
			if err != nil {
				return err
			}
			if len(f.tags) > 0 {
				spec.Tags = f.tags
				if err := spec.Validate(); err != nil {
					return usagef("--tag: %v", err)
				}
			}
			if f.check {
				fmt.Fprintf(env.Out, "%s: bake %s:%s is fine: from %s, %d provisioners, %d tests\n", args[0],
					spec.Name, strings.Join(spec.EffectiveTags(), ","), spec.From, len(spec.Provisioners), len(spec.Test))
				return nil
			}
			return runBake(cmd, env, spec)
		},
	}
	cmd.Flags().StringArrayVar(&f.vars, "var", nil, "set a variable of the file: --var K=V (repeatable)")
	cmd.Flags().StringArrayVar(&f.tags, "tag", nil, "push these tags instead of the file's (repeatable)")
	cmd.Flags().BoolVar(&f.check, "check", false, "check the file without baking")
	return cmd
}

func parseVars(kvs []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("--var %q: write it as NAME=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

func runBake(cmd *cobra.Command, env *Env, spec bake.Spec) error {
	ctx := cmd.Context()
	c, err := env.Client(ctx)
	if err != nil {
		return err
	}
	term, _ := terminal(env.Out)
	p := &bakePrinter{out: env.Out, term: term, color: term && os.Getenv("NO_COLOR") == ""}
	res, err := c.Bake(ctx, api.BakeRequest{Spec: spec}, p.progress)
	p.endLine()
	if errors.Is(err, context.Canceled) {
		return errors.New("bake cancelled: the daemon removes its containers, and nothing was tagged")
	}
	if err != nil {
		return env.call(err)
	}
	printBakeResult(env.Out, res)
	return nil
}

// bakePrinter shows a bake's progress: each step's output prefixed with
// its name; on a terminal, one line per phase that turns from running to
// done; piped, plain lines.
type bakePrinter struct {
	out         io.Writer
	term, color bool
	open        string // the phase whose running line is on screen
	started     time.Time
}

func (p *bakePrinter) progress(pr bake.Progress) {
	switch {
	case pr.Line != "":
		p.endLine()
		fmt.Fprintf(p.out, "  %s | %s\n", pr.Step, pr.Line)
	case pr.Status == "start" && p.term:
		p.endLine()
		p.open, p.started = pr.Phase, time.Now()
		fmt.Fprintf(p.out, "%s %s ...", p.mark("==>"), pr.Phase)
	case pr.Status == "start":
		fmt.Fprintf(p.out, "==> %s\n", pr.Phase)
	case pr.Status == "done" && p.term && p.open == pr.Phase:
		fmt.Fprintf(p.out, "\r\033[K%s %s done in %.1fs\n", p.mark("==>"), pr.Phase, pr.Seconds)
		p.open = ""
	case pr.Status == "done":
		fmt.Fprintf(p.out, "==> %s done in %.1fs\n", pr.Phase, pr.Seconds)
	}
}

func (p *bakePrinter) mark(s string) string {
	if p.color {
		return "\033[1;32m" + s + "\033[0m"
	}
	return s
}

// endLine ends a phase's running line before something else is printed.
func (p *bakePrinter) endLine() {
	if p.open != "" {
		fmt.Fprintln(p.out)
		p.open = ""
	}
}

func printBakeResult(w io.Writer, res bake.Result) {
	fmt.Fprintf(w, "baked %s\n", res.Reference)
	for _, r := range res.References[1:] {
		fmt.Fprintf(w, "  also %s\n", r)
	}
	fmt.Fprintf(w, "  digest %s\n  image  %s\n  size   %s\n", res.Digest, res.ImageID, humanBytes(res.Size))
	var phases []string
	for _, ph := range res.Phases {
		phases = append(phases, fmt.Sprintf("%s %.1fs", ph.Phase, ph.Seconds))
	}
	fmt.Fprintf(w, "  time   %.1fs (%s)\n", res.Seconds, strings.Join(phases, ", "))
}
