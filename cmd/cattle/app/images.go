package app

import (
	"context"
	"fmt"
	"text/tabwriter"
)

func imagesCommand() *command {
	return &command{
		name: "images", summary: "images the sandbox can launch",
		subs: []*command{{
			name: "ls", summary: "list images", usage: "images ls [-o table|json|yaml]", listing: true,
			run: func(ctx context.Context, env *Env, args []string) error {
				c, err := env.Client(ctx)
				if err != nil {
					return err
				}
				imgs, err := c.Images(ctx)
				if err != nil {
					return env.call(err)
				}
				return render(env, imgs, func(t *tabwriter.Writer) {
					row(t, "NAME", "DIGEST", "STATE", "SIZE", "AGE")
					for _, i := range imgs {
						row(t, i.Name, short(i.Digest), i.State, humanBytes(i.Size), ago(i.CreatedAt))
					}
				})
			},
		}},
	}
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
