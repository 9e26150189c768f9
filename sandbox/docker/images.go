package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"github.com/cattle-dev/cattle/sandbox"
)

// BuildImage builds an image from a tar build context holding a
// Dockerfile with the engine's classic builder: no pull, no BuildKit
// session, intermediate containers removed. It reads the engine's progress
// to the end and fails with the engine's own message if the build failed.
func (r *Runtime) BuildImage(ctx context.Context, buildContext io.Reader, ref string, labels map[string]string) (string, error) {
	what := "build image"
	if ref != "" {
		what = "build image " + ref
	}
	opts := client.ImageBuildOptions{
		Remove:      true,
		ForceRemove: true,
		PullParent:  false,
		// No build cache: the classic builder's cached layers are untagged
		// parents shared between images, and removing one sandbox's image
		// (which prunes its parents) would pull them from under another
		// sandbox's build running at the same moment.
		NoCache: true,
		Labels:  labels,
		Version: build.BuilderV1,
	}
	if ref != "" {
		opts.Tags = []string{ref}
	}
	res, err := r.cli.ImageBuild(ctx, buildContext, opts)
	if err != nil {
		return "", r.wrap(what, err)
	}
	defer res.Body.Close()
	id, err := readBuildStream(res.Body)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if id == "" && ref != "" {
		img, err := r.InspectImage(ctx, ref)
		if err != nil {
			return "", fmt.Errorf("%s: the build reported no image id and the tag cannot be read: %w", what, err)
		}
		id = img.ID
	}
	if id == "" {
		return "", fmt.Errorf("%s: the engine reported no image id", what)
	}
	return id, nil
}

// buildMessage is one line of the engine's build progress stream. Engines
// write a failure both as errorDetail and, older ones only, as error.
type buildMessage struct {
	Stream      string                    `json:"stream"`
	Error       string                    `json:"error"`
	ErrorDetail *struct{ Message string } `json:"errorDetail"`
	Aux         json.RawMessage           `json:"aux"`
}

// readBuildStream reads the build progress to its end and returns the
// image id the engine announced (empty if it announced none). A failed
// build's error carries the engine's message and the last lines of output.
func readBuildStream(body io.Reader) (string, error) {
	dec := json.NewDecoder(body)
	var id string
	var tail []string // last output lines, to show beside a failure
	for {
		var msg buildMessage
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			return id, nil
		}
		if err != nil {
			return "", fmt.Errorf("reading the engine's build output: %w", err)
		}
		if msg.ErrorDetail != nil && msg.ErrorDetail.Message != "" {
			msg.Error = msg.ErrorDetail.Message
		}
		if msg.Error != "" {
			return "", buildFailure(msg.Error, tail)
		}
		if len(msg.Aux) > 0 {
			var aux struct{ ID string }
			if json.Unmarshal(msg.Aux, &aux) == nil && aux.ID != "" {
				id = aux.ID
			}
		}
		for _, line := range strings.Split(msg.Stream, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				tail = append(tail, line)
				if len(tail) > 5 {
					tail = tail[1:]
				}
			}
		}
	}
}

func buildFailure(msg string, tail []string) error {
	if len(tail) == 0 {
		return errors.New(strings.TrimSpace(msg))
	}
	return fmt.Errorf("%s (after: %s)", strings.TrimSpace(msg), strings.Join(tail, " | "))
}

// InspectImage reports one image by id or reference; a missing one is
// errdefs.ErrNotFound.
func (r *Runtime) InspectImage(ctx context.Context, ref string) (sandbox.Image, error) {
	res, err := r.cli.ImageInspect(ctx, ref)
	if err != nil {
		return sandbox.Image{}, r.wrap("inspect image "+ref, err)
	}
	return imageFromInspect(res.InspectResponse), nil
}

// ListImages reports the images carrying all the labels.
func (r *Runtime) ListImages(ctx context.Context, labels map[string]string) ([]sandbox.Image, error) {
	res, err := r.cli.ImageList(ctx, client.ImageListOptions{Filters: labelFilters(labels)})
	if err != nil {
		return nil, r.wrap("list images", err)
	}
	out := make([]sandbox.Image, 0, len(res.Items))
	for _, item := range res.Items {
		out = append(out, imageFromSummary(item))
	}
	return out, nil
}

// RemoveImage removes an image by id or reference: the reference is
// resolved to its image, which loses every tag and is deleted with the
// untagged parents only it used. A missing image is errdefs.ErrNotFound.
func (r *Runtime) RemoveImage(ctx context.Context, ref string) error {
	img, err := r.InspectImage(ctx, ref)
	if err != nil {
		return err
	}
	_, err = r.cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
	if err != nil && strings.Contains(err.Error(), "unrecognized image ID") {
		// A parent layer this image shares with another (the build cache)
		// went in a concurrent removal: remove the image itself.
		_, err = r.cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true})
		if cerrdefs.IsNotFound(err) {
			err = nil
		}
	}
	return r.wrap("remove image "+ref, err)
}
