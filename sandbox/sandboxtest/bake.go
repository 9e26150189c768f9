package sandboxtest

import (
	"context"
	"io"
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

// ExecStream runs nothing, as Exec.
func (f *Fake) ExecStream(ctx context.Context, id string, cmd []string, w io.Writer) (int, error) {
	_, err := f.Exec(ctx, id, cmd)
	return 0, err
}
