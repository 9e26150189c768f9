package docker

import (
	"context"
	"errors"
	"iter"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// noAuth is an empty X-Registry-Auth ("{}"): the sandbox's registry, on
// 127.0.0.0/8, needs no login.
const noAuth = "e30="

// ImageTag gives the image source (an id or reference) the reference target.
func (r *Runtime) ImageTag(ctx context.Context, source, target string) error {
	_, err := r.cli.ImageTag(ctx, client.ImageTagOptions{Source: source, Target: target})
	return r.wrap("tag image "+source+" as "+target, err)
}

// ImageUntag removes the reference ref, unforced: the engine deletes the
// image only when nothing else holds it.
func (r *Runtime) ImageUntag(ctx context.Context, ref string) error {
	_, err := r.cli.ImageRemove(ctx, ref, client.ImageRemoveOptions{})
	return r.wrap("untag image "+ref, err)
}

// ImagePush pushes ref (REGISTRY/REPO:TAG) and waits for the push to end.
func (r *Runtime) ImagePush(ctx context.Context, ref string) error {
	resp, err := r.cli.ImagePush(ctx, ref, client.ImagePushOptions{RegistryAuth: noAuth})
	if err != nil {
		return r.wrap("push image "+ref, err)
	}
	return r.wrap("push image "+ref, streamError(resp.JSONMessages(ctx)))
}

// ImagePull pulls ref (REGISTRY/REPO@DIGEST or :TAG) and waits for it.
func (r *Runtime) ImagePull(ctx context.Context, ref string) error {
	resp, err := r.cli.ImagePull(ctx, ref, client.ImagePullOptions{RegistryAuth: noAuth})
	if err != nil {
		return r.wrap("pull image "+ref, err)
	}
	return r.wrap("pull image "+ref, streamError(resp.JSONMessages(ctx)))
}

// streamError reads a progress stream to its end and returns the error it
// reported, if any.
func streamError(msgs iter.Seq2[jsonstream.Message, error]) error {
	var failed error
	for msg, err := range msgs {
		if err != nil {
			return err
		}
		if msg.Error != nil && failed == nil {
			failed = errors.New(msg.Error.Message)
		}
	}
	return failed
}
