package app

import (
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

func newImagesInspectCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:     "inspect REF",
		Short:   "show one image (a failed bake with its log)",
		Example: "  cattle images inspect web:v2\n  cattle images inspect web@sha256:4f1c...",
		Args:    exactArgs(1, "images inspect takes one REF: REPOSITORY:TAG or REPOSITORY@DIGEST"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			img, err := c.Image(ctx, args[0])
			if err != nil {
				return env.call(err)
			}
			return render(env, img, func(t *tabwriter.Writer) {
				row(t, "repository:", img.Repository)
				row(t, "tags:", tagList(img.Tags))
				row(t, "digest:", img.Digest)
				row(t, "state:", img.State)
				row(t, "deprecated:", img.Deprecated)
				row(t, "size:", humanBytes(img.Size))
				row(t, "pushed:", img.PushedAt.Format("2006-01-02 15:04:05Z07:00"))
				keys := make([]string, 0, len(img.Labels))
				for k := range img.Labels {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					row(t, "label:", k+"="+img.Labels[k])
				}
				if img.Log != "" {
					fmt.Fprintf(t, "\nbake log:\n%s\n", img.Log)
				}
			})
		},
	})
}
