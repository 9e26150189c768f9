package sandboxtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	cerrdefs "github.com/containerd/errdefs"

	"github.com/cattle-dev/cattle/sandbox"
)

// The fake pushes and pulls for real, over HTTP, a small synthetic image
// (a config naming the fake's image id and one layer), so that tests of
// the code around a registry see the registry change.

const (
	ociManifest = "application/vnd.oci.image.manifest.v1+json"
	ociConfig   = "application/vnd.oci.image.config.v1+json"
	ociLayer    = "application/vnd.oci.image.layer.v1.tar"
)

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// splitRef splits HOST/REPO:TAG or HOST/REPO@DIGEST.
func splitRef(ref string) (host, repo, reference string, err error) {
	host, rest, ok := strings.Cut(ref, "/")
	if !ok || !strings.Contains(host, ":") {
		return "", "", "", fmt.Errorf("%s names no registry host: %w", ref, cerrdefs.ErrInvalidArgument)
	}
	if r, d, ok := strings.Cut(rest, "@"); ok {
		return host, r, d, nil
	}
	if i := strings.LastIndex(rest, ":"); i > 0 {
		return host, rest[:i], rest[i+1:], nil
	}
	return host, rest, "latest", nil
}

func (f *Fake) ImageTag(ctx context.Context, source, target string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ImageTag")
	img, ok := f.images[source]
	if !ok {
		return fmt.Errorf("image %s: %w", source, cerrdefs.ErrNotFound)
	}
	img.Tags = append(img.Tags, target)
	f.setImage(img, target)
	return nil
}

func (f *Fake) ImageUntag(ctx context.Context, ref string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.call("ImageUntag")
	img, ok := f.images[ref]
	if !ok || ref == img.ID {
		return fmt.Errorf("image reference %s: %w", ref, cerrdefs.ErrNotFound)
	}
	delete(f.images, ref)
	img.Tags = slices.DeleteFunc(slices.Clone(img.Tags), func(t string) bool { return t == ref })
	f.setImage(img)
	return nil
}

// setImage stores img under its id and each of refs (f.mu held), and
// updates every other reference to the same id.
func (f *Fake) setImage(img sandbox.Image, refs ...string) {
	for k, v := range f.images {
		if v.ID == img.ID {
			f.images[k] = img
		}
	}
	f.images[img.ID] = img
	for _, r := range refs {
		f.images[r] = img
	}
}

func (f *Fake) ImagePush(ctx context.Context, ref string) error {
	f.mu.Lock()
	f.call("ImagePush")
	img, ok := f.images[ref]
	f.mu.Unlock()
	if !ok {
		return fmt.Errorf("image %s: %w", ref, cerrdefs.ErrNotFound)
	}
	host, repo, tag, err := splitRef(ref)
	if err != nil {
		return err
	}
	config, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
		"config": map[string]any{"Labels": img.Labels}, "rootfs": map[string]any{"type": "layers"}, "id": img.ID})
	layer := bytes.Repeat([]byte(img.ID), 64)
	m := manifest{SchemaVersion: 2, MediaType: ociManifest,
		Config: descriptor{ociConfig, digestOf(config), int64(len(config))},
		Layers: []descriptor{{ociLayer, digestOf(layer), int64(len(layer))}}}
	base := "http://" + host + "/v2/" + repo
	for _, blob := range [][]byte{config, layer} {
		if err := pushBlob(ctx, base, blob); err != nil {
			return err
		}
	}
	body, _ := json.Marshal(m)
	resp, err := do(ctx, http.MethodPut, base+"/manifests/"+tag, ociManifest, body, http.StatusCreated)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img = f.images[img.ID]
	img.Digests = append(img.Digests, host+"/"+repo+"@"+resp.Header.Get("Docker-Content-Digest"))
	f.setImage(img)
	return nil
}

func pushBlob(ctx context.Context, base string, blob []byte) error {
	d := digestOf(blob)
	if _, err := do(ctx, http.MethodHead, base+"/blobs/"+d, "", nil, http.StatusOK); err == nil {
		return nil
	}
	resp, err := do(ctx, http.MethodPost, base+"/blobs/uploads/", "", nil, http.StatusAccepted)
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = base[:strings.Index(base, "/v2/")] + loc
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	_, err = do(ctx, http.MethodPut, loc+sep+"digest="+d, "application/octet-stream", blob, http.StatusCreated)
	return err
}

func do(ctx context.Context, method, url, contentType string, body []byte, want int) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", ociManifest)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if resp.StatusCode == http.StatusNotFound {
		return resp, fmt.Errorf("%s %s: %w", method, url, cerrdefs.ErrNotFound)
	}
	if resp.StatusCode != want {
		return resp, fmt.Errorf("%s %s: the registry answered %d: %s", method, url, resp.StatusCode, b)
	}
	return resp, nil
}

// ImagePull fetches the manifest and the config; the layers only when the
// fake has no image with that config's id, as the engine skips layers it has.
func (f *Fake) ImagePull(ctx context.Context, ref string) error {
	f.mu.Lock()
	f.call("ImagePull")
	f.mu.Unlock()
	host, repo, reference, err := splitRef(ref)
	if err != nil {
		return err
	}
	base := "http://" + host + "/v2/" + repo
	resp, err := do(ctx, http.MethodGet, base+"/manifests/"+reference, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	var m manifest
	mb, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(mb, &m); err != nil {
		return err
	}
	resp, err = do(ctx, http.MethodGet, base+"/blobs/"+m.Config.Digest, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	var config struct{ ID string }
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &config)
	f.mu.Lock()
	img, have := f.images[config.ID]
	f.mu.Unlock()
	if !have {
		for _, l := range m.Layers {
			if _, err := do(ctx, http.MethodGet, base+"/blobs/"+l.Digest, "", nil, http.StatusOK); err != nil {
				return err
			}
		}
		img = sandbox.Image{ID: config.ID, Labels: map[string]string{}}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	img.Digests = append(img.Digests, host+"/"+repo+"@"+digestOf(mb))
	f.setImage(img, ref)
	return nil
}
