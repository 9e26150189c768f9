package app

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/images/registry"
)

func newReposCommand(env *Env) *cobra.Command {
	return newGroupCommand("repos", "the registry's repositories: mutable or immutable tags",
		"The daemon's OCI registry (its address: cattle status) keeps images in repositories.\n"+
			"A push into a repository that does not exist makes a mutable one; an immutable one\n"+
			"refuses a push of a tag it already has (ImageTagAlreadyExistsException).",
		newReposCreateCommand(env), newReposLsCommand(env), newReposRmCommand(env),
		newReposLifecycleCommand(env))
}

func newReposCreateCommand(env *Env) *cobra.Command {
	var immutable bool
	cmd := &cobra.Command{
		Use:     "create NAME",
		Short:   "create a repository",
		Example: "  cattle repos create web --immutable",
		Args:    exactArgs(1, "repos create takes one NAME: cattle repos create web --immutable"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			r, err := c.CreateRepository(ctx, args[0], immutable)
			if err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "repository %s created (tags %s)\n", r.Name, mutability(r.Immutable))
			return nil
		},
	}
	cmd.Flags().BoolVar(&immutable, "immutable", false, "refuse a push of a tag the repository already has")
	return cmd
}

func newReposLsCommand(env *Env) *cobra.Command {
	return listing(&cobra.Command{
		Use:   "ls",
		Short: "list the registry's repositories",
		Args:  noArgs,
		RunE: fromDaemon(env, (*api.Client).Repositories, func(t *tabwriter.Writer, rs []registry.Repository) {
			row(t, "NAME", "TAGS", "AGE")
			for _, r := range rs {
				row(t, r.Name, mutability(r.Immutable), ago(r.CreatedAt))
			}
		}),
	})
}

func newReposRmCommand(env *Env) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "rm NAME",
		Short: "remove a repository (refused while it holds tagged images, unless --force)",
		Args:  exactArgs(1, "repos rm takes one NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			if err := c.DeleteRepository(ctx, args[0], force); err != nil {
				return env.call(err)
			}
			fmt.Fprintf(env.Out, "repository %s removed\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "remove it with the images it holds")
	return cmd
}

func mutability(immutable bool) string {
	if immutable {
		return "IMMUTABLE"
	}
	return "MUTABLE"
}
