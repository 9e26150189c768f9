package app

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/cattle-dev/cattle/emulator"
	"github.com/cattle-dev/cattle/emulator/awsapi"
)

func newAWSEnvCommand(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "aws-env",
		Short: "print the export lines that point the aws CLI and the AWS SDKs at the sandbox",
		Long: "Prints shell lines setting the sandbox's AWS endpoint, its own access key and secret, and " +
			"its region, for `eval \"$(cattle aws-env)\"`. The aws CLI (1.x and 2.x) and the SDKs read " +
			"AWS_ENDPOINT_URL; a profile set in AWS_PROFILE would take precedence over the keys, so it is unset.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, err := env.Client(ctx)
			if err != nil {
				return err
			}
			st, err := c.Status(ctx)
			if err != nil {
				return env.call(err)
			}
			creds, err := awsapi.ReadCredentials(emulator.PathsIn(env.StateDir).AWSCredentials)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("sandbox %s has no AWS credentials yet: its daemon predates the AWS endpoint; restart it with 'cattle down%s && cattle up%s'",
					env.Sandbox, env.sandboxFlag(), env.sandboxFlag())
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Out, "# the AWS endpoint of sandbox %s (eval \"$(cattle aws-env%s)\")\n", env.Sandbox, env.sandboxFlag())
			fmt.Fprintln(env.Out, "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN")
			for _, kv := range [][2]string{
				{"AWS_ENDPOINT_URL", st.AWSEndpoint},
				{"AWS_ACCESS_KEY_ID", creds.AccessKeyID},
				{"AWS_SECRET_ACCESS_KEY", creds.SecretAccessKey},
				{"AWS_REGION", awsapi.Region},
				{"AWS_DEFAULT_REGION", awsapi.Region},
			} {
				fmt.Fprintf(env.Out, "export %s=%s\n", kv[0], kv[1])
			}
			return nil
		},
	}
}
