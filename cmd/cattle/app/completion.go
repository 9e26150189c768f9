package app

import (
	"github.com/spf13/cobra"
)

// newCompletionCommand prints a shell completion script made by cobra's
// generators.
func newCompletionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "print a shell completion script",
		Long: "Prints the completion script of a shell. To load it:\n\n" +
			"  bash:  source <(cattle completion bash)    (or save it in /etc/bash_completion.d/cattle)\n" +
			"  zsh:   cattle completion zsh > \"${fpath[1]}/_cattle\"\n" +
			"  fish:  cattle completion fish > ~/.config/fish/completions/cattle.fish",
		ValidArgs:   []string{"bash", "zsh", "fish"},
		Args:        exactArgs(1, "completion takes one shell: cattle completion bash (or zsh, fish)"),
		Annotations: map[string]string{annotNoSandbox: ""},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			}
			return usagef("completion for %q is not available: use bash, zsh or fish", args[0])
		},
	}
}
