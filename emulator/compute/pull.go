package compute

import (
	"context"
	"errors"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// launchSource is what the instances of one launch are created from.
type launchSource struct {
	ref string // the reference the engine creates the containers by
	id  string // the engine's image id of it
}

// launchImage makes sure the engine has the image a version pins, pulling
// it from the sandbox's registry if need be: an image the engine has
// already (pushed from it, or pulled before) transfers nothing. A version
// made before launches came from the registry launches by engine image id.
func (s *Service) launchImage(ctx context.Context, v TemplateVersion) (launchSource, error) {
	if v.ImageRepository == "" {
		return launchSource{ref: v.ImageDigest, id: v.ImageDigest}, nil
	}
	ref, err := s.images.LaunchRef(ctx, images.Resolved{Repository: v.ImageRepository, Digest: v.ImageDigest})
	if err != nil {
		return launchSource{}, err
	}
	img, err := s.rt.InspectImage(ctx, ref)
	if errors.Is(err, errdefs.ErrNotFound) {
		if err = s.rt.ImagePull(ctx, ref); err == nil {
			img, err = s.rt.InspectImage(ctx, ref)
		}
	}
	if err != nil {
		return launchSource{}, err
	}
	return launchSource{ref: ref, id: img.ID}, nil
}
