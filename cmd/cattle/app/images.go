package app

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newImagesCommand(env *Env) *cobra.Command {
	return newGroupCommand("images", "the image catalog: what the sandbox's registry holds and what bakes made",
		"Every manifest pushed into the sandbox's registry (cattle status shows its address) has a\n"+
			"record here, as do failed bakes. Instances launch from the registry: a template version\n"+
			"pins the manifest digest of its image. Lifecycle policies (cattle repos lifecycle) expire\n"+
			"old images; images in use by a template version or a live instance never expire.",
		newImagesLsCommand(env), newImagesInspectCommand(env), newImagesDeprecateCommand(env),
		newImagesRmCommand(env), newImagesPruneCommand(env), newImagesBakeCommand(env))
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

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "<none>"
	}
	return strings.Join(tags, ",")
}
