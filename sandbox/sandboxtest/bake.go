package sandboxtest

import (
	"context"
	"fmt"
	"io"

	cerrdefs "github.com/containerd/errdefs"
)

// ImportImage records an image; the root filesystem is read and dropped.
func (f *Fake) ImportImage(ctx context.Context, rootfs io.Reader, labels map[string]string) (string, error) {
	_, _ = io.Copy(io.Discard, rootfs)
	return f.AddImage("", labels).ID, nil
}

// CopyToContainer reads the content; the container must exist.
func (f *Fake) CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error {
	_, _ = io.Copy(io.Discard, content)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("CopyToContainer")
	_, err := f.get(id)
	return err
}

// ImageTag gives an image another name.
func (f *Fake) ImageTag(ctx context.Context, source, target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	img, ok := f.images[source]
	if !ok {
		return fmt.Errorf("image %s: %w", source, cerrdefs.ErrNotFound)
	}
	img.Tags = append(img.Tags, target)
	f.images[target] = img
	return nil
}

// ImagePush succeeds for an image the fake has.
func (f *Fake) ImagePush(ctx context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ImagePush")
	if _, ok := f.images[ref]; !ok {
		return fmt.Errorf("image %s: %w", ref, cerrdefs.ErrNotFound)
	}
	return nil
}

// ExecStream runs nothing, as Exec.
func (f *Fake) ExecStream(ctx context.Context, id string, cmd []string, w io.Writer) (int, error) {
	_, err := f.Exec(ctx, id, cmd)
	return 0, err
}
