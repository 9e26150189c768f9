package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
)

func newReposLifecycleCommand(env *Env) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "lifecycle NAME [--file policy.json]",
		Short: "set (or, without --file, show) a repository's lifecycle policy (ECR's JSON)",
		Long: describe("Set a repository's lifecycle policy, in ECR's JSON form.",
			"Rules have a unique rulePriority, a selection (tagStatus tagged with tagPrefixList,\n"+
				"untagged or any; countType imageCountMoreThan, or sinceImagePushed with countUnit\n"+
				"days; countNumber) and action {\"type\": \"expire\"}. 'cattle images prune' applies\n"+
				"it at once, the daemon every hour."),
		Example: `  cattle repos lifecycle web --file keep3.json
  # keep3.json:
  {"rules": [{"rulePriority": 1, "description": "keep the 3 newest",
    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 3},
    "action": {"type": "expire"}}]}`,
		Args: exactArgs(1, "repos lifecycle takes one NAME: cattle repos lifecycle web --file policy.json"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if file == "" {
				return showLifecycle(env, c, ctx, args[0])
			}
			text, err := os.ReadFile(file)
			if err != nil {
				return usagef("reading the lifecycle policy: %v", err)
			}
			sp, err := c.SetLifecyclePolicy(ctx, args[0], text)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "repository %s lifecycle policy set (%d rules)\n", sp.Repository, len(sp.Policy.Rules))
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the policy, ECR's lifecycle policy JSON")
	return cmd
}

// showLifecycle prints a repository's policy as ECR's JSON.
func showLifecycle(env *Env, c *api.Client, ctx context.Context, repo string) error {
	sp, err := c.LifecyclePolicy(ctx, repo)
	if err != nil {
		return env.call(err)
	}
	b, _ := json.MarshalIndent(sp.Policy, "", "  ")
	fmt.Fprintln(env.Out, string(b))
	return nil
}
