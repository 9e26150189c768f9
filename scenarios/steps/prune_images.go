package steps

import (
	"context"
	"fmt"

	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterAction[pruneImages]("prune_images",
		scenarios.Doc("apply the repositories' lifecycle policies now (cattle images prune): expire what they select, "+
			"never an image in use, and collect the freed blobs; expired checks how many images went",
			"prune_images: {dry_run: false, expired: 2}"))
}

type pruneImages struct {
	DryRun bool `yaml:"dry_run" default:"false"`
	// Expired, when set, is how many images the prune must expire.
	Expired *int `yaml:"expired" default:"not checked"`
}

func (s *pruneImages) Validate() error {
	if s.Expired != nil && *s.Expired < 0 {
		return scenarios.FieldError("expired", "expired %d is negative: give a count of images", *s.Expired)
	}
	return nil
}

func (s *pruneImages) Execute(ctx context.Context, r *scenarios.Run) error {
	res, err := r.Client.PruneImages(ctx, s.DryRun)
	if err != nil {
		return err
	}
	verb := "expired"
	if s.DryRun {
		verb = "would expire"
	}
	r.Notef("the lifecycle policies %s %s; %s freed", verb, lifecycleSummary(res), humanSize(res.FreedBytes))
	if s.Expired != nil && len(res.Expired) != *s.Expired {
		return fmt.Errorf("the prune expired %d images (%s), want %d", len(res.Expired), lifecycleSummary(res), *s.Expired)
	}
	return nil
}
