package steps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/scenarios"
)

func init() {
	scenarios.RegisterExpectation[expectImage]("image", "image",
		scenarios.Checks("exists", "digest", "state", "same_as"),
		scenarios.Doc("an image in the sandbox's registry: it exists (or not), has a digest, a state (available, failed), "+
			"or its tag names the same image as another",
			"expect: {image: web:v2, exists: true, state: available}"))
}

type expectImage struct {
	// Image is REPOSITORY[:TAG] in the sandbox's registry (tag latest if none).
	Image  string `yaml:"image,required"`
	Exists *bool  `yaml:"exists" default:"not checked"`
	Digest string `yaml:"digest" default:"not checked"`
	// State is the catalog's state of the image the tag names (available,
	// pending, deregistered), or failed when the tag's last bake failed.
	State string `yaml:"state" default:"not checked"`
	// SameAs is another REPOSITORY:TAG the tag must name the same image as.
	SameAs string `yaml:"same_as" default:"not checked"`
}

func (e *expectImage) Validate() error {
	if e.Exists == nil && e.Digest == "" && e.State == "" && e.SameAs == "" {
		return scenarios.FieldError("image", "say what to check: exists, digest, state or same_as")
	}
	if e.Exists != nil && !*e.Exists && (e.Digest != "" || e.SameAs != "") {
		return scenarios.FieldError("exists", "an image that must not exist has no digest to check")
	}
	return nil
}

func splitRef(ref string) (repo, tag string) {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[:i], ref[i+1:]
	}
	return ref, "latest"
}

// registryDigest asks the sandbox's registry for the digest a tag names
// ("" when it has no such tag).
func registryDigest(ctx context.Context, r *scenarios.Run, ref string) (string, error) {
	st, err := r.Client.Status(ctx)
	if err != nil {
		return "", err
	}
	repo, tag := splitRef(ref)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, "http://"+st.Registry+"/v2/"+repo+"/manifests/"+tag, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json")
	resp, err := r.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Header.Get("Docker-Content-Digest"), nil
	case http.StatusNotFound:
		return "", nil
	}
	return "", fmt.Errorf("the registry answered %s for %s", resp.Status, ref)
}

func (e *expectImage) Execute(ctx context.Context, r *scenarios.Run) error {
	digest, err := registryDigest(ctx, r, e.Image)
	if err != nil {
		return err
	}
	if e.Exists != nil {
		if err := e.checkExists(ctx, r, digest); err != nil {
			return err
		}
	}
	if e.Exists == nil && digest == "" && (e.Digest != "" || e.SameAs != "") {
		return fmt.Errorf("%s is not in the registry", e.Image)
	}
	if e.Digest != "" && !strings.HasPrefix(digest, e.Digest) {
		return fmt.Errorf("%s is %s, want %s", e.Image, digest, e.Digest)
	}
	if e.SameAs != "" {
		other, err := registryDigest(ctx, r, e.SameAs)
		if err != nil {
			return err
		}
		if other != digest {
			return fmt.Errorf("%s is %s but %s is %q: want the same image", e.Image, shortDigest(digest), e.SameAs, shortDigest(other))
		}
	}
	if e.State != "" {
		return e.checkState(ctx, r)
	}
	return nil
}

// checkExists looks in the registry and the catalog; after a failed bake
// also in the engine (a failed bake leaves no tag anywhere, while an image
// a lifecycle rule expired keeps its copy in the engine, as a host keeps
// what it pulled).
func (e *expectImage) checkExists(ctx context.Context, r *scenarios.Run, digest string) error {
	repo, tag := splitRef(e.Image)
	rec, cerr := r.Client.Image(ctx, repo+":"+tag)
	if cerr != nil && !errors.Is(cerr, errdefs.ErrNotFound) {
		return cerr
	}
	switch {
	case *e.Exists && digest == "":
		return fmt.Errorf("%s is not in the registry", e.Image)
	case *e.Exists && cerr != nil:
		return fmt.Errorf("%s is in the registry but not in the image catalog", e.Image)
	case *e.Exists:
		return nil
	case digest != "":
		return fmt.Errorf("%s is in the registry (%s); want no such tag", e.Image, shortDigest(digest))
	case cerr == nil:
		return fmt.Errorf("the image catalog has %s (%s, %s); want no such tag", e.Image, shortDigest(rec.Digest), rec.State)
	}
	last, err := lastBakeState(ctx, r, repo, tag)
	if err != nil || last == images.StateAvailable {
		return err
	}
	img, ierr := r.Runtime.InspectImage(ctx, repo+":"+tag)
	if ierr != nil && !errors.Is(ierr, errdefs.ErrNotFound) {
		return ierr
	}
	// The engine's tags are shared by every sandbox on it: only one this
	// sandbox made counts.
	if ierr == nil && img.Labels[sandbox.LabelImageSandbox] == r.Sandbox {
		return fmt.Errorf("the engine has a tag %s:%s made by this sandbox; want none", repo, tag)
	}
	return nil
}

// checkState reads the state of the image the tag names from the image
// catalog; a tag no record holds is "failed" when its last bake failed.
func (e *expectImage) checkState(ctx context.Context, r *scenarios.Run) error {
	repo, tag := splitRef(e.Image)
	state := "not in the catalog"
	rec, err := r.Client.Image(ctx, repo+":"+tag)
	switch {
	case err == nil:
		state = rec.State
	case !errors.Is(err, errdefs.ErrNotFound):
		return err
	default:
		last, err := lastBakeState(ctx, r, repo, tag)
		if err != nil {
			return err
		}
		if last == images.StateFailed {
			state = last
		}
	}
	if state != e.State {
		return fmt.Errorf("%s is %s in the image catalog, want %s", e.Image, state, e.State)
	}
	return nil
}

// lastBakeState is the state of the last bake of REPOSITORY:TAG, from its
// events ("" when it was never baked).
func lastBakeState(ctx context.Context, r *scenarios.Run, repo, tag string) (string, error) {
	evs, err := r.Client.Events(ctx, 0, 0)
	if err != nil {
		return "", err
	}
	state := ""
	for _, ev := range evs {
		if (ev.Kind == "image.baked" || ev.Kind == "image.bake-failed") && ev.Fields["repository"] == repo &&
			containsWord(ev.Fields["tags"], tag) {
			state = ev.Fields["state"]
		}
	}
	return state, nil
}

func containsWord(list, word string) bool {
	for _, w := range strings.Split(list, ",") {
		if w == word {
			return true
		}
	}
	return false
}
