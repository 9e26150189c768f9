package images

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"regexp"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
)

// DemoImageName is the name users give the built-in demo image.
const DemoImageName = "builtin/demo"

// On the demo image, besides sandbox.LabelImageSandbox and sandbox.LabelRole.
const (
	// LabelBuiltinBinarySHA256 is the sha256 of the cattle binary the
	// image holds; an image under the right tag but another binary is rebuilt.
	LabelBuiltinBinarySHA256 = "dev.cattle.builtin-binary-sha256"
	// RoleBuiltinImage is the sandbox.LabelRole of built-in images.
	RoleBuiltinImage = "builtin-image"
)

// demoDockerfile makes the demo image: the static cattle binary alone on
// scratch, so it needs no pull and no network. The classic builder makes a
// container and a commit per instruction after FROM, so there are as few as
// the image needs; the sandbox's LABEL comes last so that sandboxes with the
// same binary share the build cache for the steps before it.
const demoDockerfile = `FROM scratch
COPY cattle /cattle
%sENTRYPOINT ["/cattle", "demo-app"]
EXPOSE 8080
ENV DEMO_VERSION=v1
LABEL %s=%q %s=%q %s=%q
`

// DemoImage makes sure the engine has the demo image for this sandbox and
// returns it. The image holds the binary at binaryPath (the static cattle
// binary itself) and is tagged by the binary's hash, so the same binary
// reuses the image and a new one builds a new image.
func DemoImage(ctx context.Context, rt sandbox.Runtime, sandboxName, binaryPath string) (sandbox.Image, error) {
	if err := checkSandboxName(sandboxName); err != nil {
		return sandbox.Image{}, err
	}
	bin, err := os.Open(binaryPath)
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image: opening the cattle binary: %w", err)
	}
	defer bin.Close()
	info, err := bin.Stat()
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image: %w", err)
	}
	if !info.Mode().IsRegular() {
		return sandbox.Image{}, fmt.Errorf("demo image: %s is not a regular file", binaryPath)
	}
	sum, err := sha256Hex(io.NewSectionReader(bin, 0, info.Size()))
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image: reading %s: %w", binaryPath, err)
	}
	tag := demoImageTag(sandboxName, sum)
	libs, err := runtimeFiles(binaryPath)
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image: %w", err)
	}

	// Two callers in one process (a daemon starting while a scenario runs)
	// would build the same image twice; the second waits and reuses it.
	unlock, err := lockDemoTag(ctx, tag)
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image %s: %w", tag, err)
	}
	defer unlock()

	img, err := rt.InspectImage(ctx, tag)
	switch {
	case err == nil && img.Labels[LabelBuiltinBinarySHA256] == sum:
		return img, nil
	case err == nil:
		// Something else wears the tag: build over it.
	case !errors.Is(err, errdefs.ErrNotFound):
		return sandbox.Image{}, fmt.Errorf("demo image %s: %w", tag, err)
	}

	labels := map[string]string{
		sandbox.LabelImageSandbox: sandboxName,
		sandbox.LabelRole:         RoleBuiltinImage,
		LabelBuiltinBinarySHA256:  sum,
	}
	id, err := buildDemoImage(ctx, rt, bin, info, sum, tag, labels, libs)
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image %s: %w", tag, err)
	}
	img, err = rt.InspectImage(ctx, id)
	if err != nil {
		return sandbox.Image{}, fmt.Errorf("demo image %s: reading it after the build: %w", tag, err)
	}
	return img, nil
}

// errBuildReturned tells the context writer that nobody reads any more.
var errBuildReturned = errors.New("the build no longer reads its context")

// buildDemoImage streams the build context to the engine through a pipe,
// so the binary is read once and never held in memory whole.
func buildDemoImage(ctx context.Context, rt sandbox.Runtime, bin *os.File, info os.FileInfo,
	sum, tag string, labels map[string]string, libs []string) (string, error) {
	pr, pw := io.Pipe()
	written := make(chan error, 1)
	go func() {
		err := writeDemoContext(pw, io.NewSectionReader(bin, 0, info.Size()), info, sum, labels, libs)
		pw.CloseWithError(err) // nil closes with EOF
		written <- err
	}()
	// The Dockerfile's LABEL already labels the image: labels given here
	// too would cost the classic builder one more step (a container and a
	// commit, about a second on fuse-overlayfs).
	id, buildErr := rt.BuildImage(ctx, pr, tag, nil)
	pr.CloseWithError(errBuildReturned) // unblock the writer if the build stopped early
	writeErr := <-written               // and let it finish with bin before it is closed
	if writeErr != nil && !errors.Is(writeErr, errBuildReturned) {
		if buildErr == nil {
			// The engine took a context that failed to write (the binary
			// changed under us): the image cannot be trusted.
			return "", fmt.Errorf("writing the build context: %w", writeErr)
		}
		return "", fmt.Errorf("%w (writing the build context: %v)", buildErr, writeErr)
	}
	if buildErr != nil {
		return "", buildErr
	}
	return id, nil
}

// writeDemoContext writes the tar build context: the Dockerfile and the
// binary as "cattle", mode 0755, and under rootfs/ the libraries a
// dynamically linked binary needs. It fails before the tar's end if the
// binary no longer has the hash the tag was made from.
func writeDemoContext(w io.Writer, bin io.Reader, info os.FileInfo, sum string, labels map[string]string, libs []string) error {
	tw := tar.NewWriter(w)
	copyLibs := ""
	if len(libs) > 0 {
		copyLibs = "COPY rootfs/ /\n"
	}
	dockerfile := fmt.Sprintf(demoDockerfile, copyLibs,
		sandbox.LabelImageSandbox, labels[sandbox.LabelImageSandbox],
		sandbox.LabelRole, labels[sandbox.LabelRole],
		LabelBuiltinBinarySHA256, labels[LabelBuiltinBinarySHA256])
	mtime := info.ModTime().Truncate(1e9)
	if err := tw.WriteHeader(&tar.Header{
		Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: mtime, Typeflag: tar.TypeReg,
	}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{
		Name: "cattle", Mode: 0o755, Size: info.Size(), ModTime: mtime, Typeflag: tar.TypeReg,
	}); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.CopyN(tw, io.TeeReader(bin, h), info.Size()); err != nil {
		return fmt.Errorf("copying the cattle binary: %w", err)
	}
	if got := hexSum(h); got != sum {
		return fmt.Errorf("the cattle binary changed while the image was built (sha256 %s, was %s)", got, sum)
	}
	for _, lib := range libs {
		if err := addFile(tw, "rootfs"+lib, lib, mtime); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile writes the file at path (following links) into the tar as name.
func addFile(tw *tar.Writer, name, path string, mtime time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: name, Mode: int64(fi.Mode().Perm()), Size: fi.Size(), ModTime: mtime, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// demoImageTag is cattle-<sandbox>/builtin-demo:<first 12 hex of the
// binary's sha256>.
func demoImageTag(sandboxName, sum string) string {
	return "cattle-" + sandboxName + "/builtin-demo:" + sum[:12]
}

// sandboxNameRE is what a Docker repository path component allows after
// "cattle-".
var sandboxNameRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)

func checkSandboxName(name string) error {
	if !sandboxNameRE.MatchString(name) || len(name) > 128 {
		return fmt.Errorf("demo image: sandbox name %q cannot name an image: use lower-case letters, digits and single -, _ or . between them", name)
	}
	return nil
}

func sha256Hex(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return hexSum(h), nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

// demoTagLocks holds one lock (a channel of one) per demo image tag.
var demoTagLocks sync.Map

func lockDemoTag(ctx context.Context, tag string) (unlock func(), err error) {
	v, _ := demoTagLocks.LoadOrStore(tag, make(chan struct{}, 1))
	ch := v.(chan struct{})
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for another build of the same image: %w", ctx.Err())
	}
}
