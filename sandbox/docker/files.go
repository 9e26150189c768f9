package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// PutFile writes content to p inside the container with the engine's
// archive upload, so it works on an image with no shell. The archive is
// unpacked at "/" with the path's parents in it, which the engine makes
// when they are missing.
func (r *Runtime) PutFile(ctx context.Context, id, p string, content []byte) error {
	clean := path.Clean("/" + p)
	if !strings.HasPrefix(p, "/") || clean == "/" {
		return &engineError{msg: fmt.Sprintf("write %q in container %s: give an absolute path to a file", p, id), kind: cerrdefs.ErrInvalidArgument}
	}
	st, err := r.cli.ContainerStatPath(ctx, id, client.ContainerStatPathOptions{Path: clean})
	if err == nil && st.Stat.Mode.IsDir() {
		return &engineError{msg: fmt.Sprintf("write %s in container %s: it is a directory: name a file", clean, id), kind: cerrdefs.ErrInvalidArgument}
	}
	if err != nil && !cerrdefs.IsNotFound(err) {
		return r.wrap("stat "+clean+" in container "+id, err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: strings.TrimPrefix(clean, "/"), Mode: 0o644, Size: int64(len(content)),
		ModTime: time.Now(), Typeflag: tar.TypeReg}
	if err == nil {
		hdr.Mode = int64(st.Stat.Mode.Perm())
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(content); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err = r.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: "/", Content: &buf})
	return r.wrap("write "+clean+" in container "+id, err)
}

// Rename gives the container another name.
func (r *Runtime) Rename(ctx context.Context, id, name string) error {
	_, err := r.cli.ContainerRename(ctx, id, client.ContainerRenameOptions{NewName: name})
	return r.wrap(fmt.Sprintf("rename container %s to %s", id, name), err)
}

// DisconnectNetwork detaches the container from the network, forcibly.
func (r *Runtime) DisconnectNetwork(ctx context.Context, id, network string) error {
	_, err := r.cli.NetworkDisconnect(ctx, network, client.NetworkDisconnectOptions{Container: id, Force: true})
	return r.wrap(fmt.Sprintf("disconnect container %s from network %s", id, network), err)
}
