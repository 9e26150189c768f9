package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
)

// render writes v as JSON or YAML (the API's snake_case field names), or
// as a table drawn by table.
func render(env *Env, v any, table func(t *tabwriter.Writer)) error {
	switch env.Output {
	case "json":
		return writeJSON(env.Out, v)
	case "yaml":
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		y, err := yaml.JSONToYAML(b)
		if err != nil {
			return err
		}
		_, err = env.Out.Write(y)
		return err
	}
	tw := tabwriter.NewWriter(env.Out, 0, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// row writes one tab-separated table row.
func row(t io.Writer, cols ...any) {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprint(c)
		if parts[i] == "" {
			parts[i] = "-"
		}
	}
	fmt.Fprintln(t, strings.Join(parts, "\t"))
}

// ago renders a time as an age ("12s", "3m", "2h").
func ago(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := time.Since(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func short(digest string) string {
	d := strings.TrimPrefix(digest, "sha256:")
	if len(d) > 12 {
		d = d[:12]
	}
	return d
}

func writeJSONLine(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// fromDaemon is the RunE of a read-only command: it asks the sandbox's
// daemon with get (a client method, as (*api.Client).Groups) and renders
// the answer, as a table drawn by table or as -o json|yaml.
func fromDaemon[T any](env *Env, get func(*api.Client, context.Context) (T, error), table func(*tabwriter.Writer, T)) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		c, err := env.Client(ctx)
		if err != nil {
			return err
		}
		v, err := get(c, ctx)
		if err != nil {
			return env.call(err)
		}
		return render(env, v, func(t *tabwriter.Writer) { table(t, v) })
	}
}
