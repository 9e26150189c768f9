package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrorCodeTagExists is the error code of a push of an existing tag into
// an immutable repository, as ECR names it.
const ErrorCodeTagExists = "ImageTagAlreadyExistsException"

// maxManifestSize is the largest manifest the registry library accepts.
const maxManifestSize = 4 << 20

// manifestRoute is a /v2/<name>/manifests/<reference> path.
type manifestRoute struct {
	name, reference string
}

// tag is the reference when it is a tag, "" when it is a digest.
func (m manifestRoute) tag() string {
	if strings.Contains(m.reference, ":") {
		return ""
	}
	return m.reference
}

func parseManifestRoute(path string) (manifestRoute, bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return manifestRoute{}, false
	}
	i := strings.LastIndex(rest, "/manifests/")
	if i <= 0 {
		return manifestRoute{}, false
	}
	m := manifestRoute{name: rest[:i], reference: rest[i+len("/manifests/"):]}
	return m, m.reference != "" && !strings.Contains(m.reference, "/")
}

// ServeHTTP serves the Distribution API: manifest pushes and deletes go
// through cattle's checks and hooks, everything else straight to the library.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if isWrite(req.Method) {
		r.writeMu.RLock()
		defer func() {
			r.lastWrite.Store(time.Now().UnixNano())
			r.writeMu.RUnlock()
		}()
	}
	if req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/blobs/sha256:") {
		r.blobGets.Add(1)
	}
	route, ok := parseManifestRoute(req.URL.Path)
	switch {
	case ok && req.Method == http.MethodPut:
		r.putManifest(w, req, route)
	case ok && req.Method == http.MethodDelete:
		r.deleteManifest(w, req, route)
	default:
		r.app.ServeHTTP(w, req)
	}
}

func (r *Registry) putManifest(w http.ResponseWriter, req *http.Request, route manifestRoute) {
	repo, found, err := r.repos.get(route.name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
		return
	}
	if found && repo.Immutable && route.tag() != "" {
		r.immutableMu.Lock()
		defer r.immutableMu.Unlock()
		if _, exists := r.resolve(req, route); exists {
			writeError(w, http.StatusBadRequest, ErrorCodeTagExists, fmt.Sprintf(
				"The image tag '%s' already exists in the '%s' repository and cannot be overwritten because the repository is immutable.",
				route.tag(), route.name))
			return
		}
	}
	body := &capped{r: req.Body, max: maxManifestSize}
	req.Body = io.NopCloser(body)
	rec := &statusWriter{ResponseWriter: w}
	r.app.ServeHTTP(rec, req)
	if rec.status != http.StatusCreated {
		return
	}
	if !found {
		if err := r.repos.ensure(route.name); err != nil {
			// The content is stored; only the record is missing, and the
			// next push makes it.
			logWarn("recording repository", route.name, err)
		}
	}
	r.emit(Event{Action: ActionPush, Repository: route.name, Tag: route.tag(),
		Digest: rec.Header().Get("Docker-Content-Digest"), MediaType: req.Header.Get("Content-Type"),
		Size: imageSize(body.buf.Bytes()), Time: time.Now().UTC()})
}

func (r *Registry) deleteManifest(w http.ResponseWriter, req *http.Request, route manifestRoute) {
	digest := route.reference
	if route.tag() != "" {
		digest, _ = r.resolve(req, route)
	}
	rec := &statusWriter{ResponseWriter: w}
	r.app.ServeHTTP(rec, req)
	if rec.status != http.StatusAccepted {
		return
	}
	r.emit(Event{Action: ActionDelete, Repository: route.name, Tag: route.tag(), Digest: digest, Time: time.Now().UTC()})
}

func (r *Registry) emit(e Event) {
	if r.onEvent != nil {
		r.onEvent(e)
	}
}

// manifestTypes are the manifest media types a lookup accepts.
var manifestTypes = strings.Join([]string{
	"application/vnd.oci.image.manifest.v1+json",
	"application/vnd.oci.image.index.v1+json",
	"application/vnd.docker.distribution.manifest.v2+json",
	"application/vnd.docker.distribution.manifest.list.v2+json",
}, ", ")

// resolve asks the library for the digest the route's reference names.
func (r *Registry) resolve(orig *http.Request, route manifestRoute) (digest string, exists bool) {
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodHead,
		"/v2/"+route.name+"/manifests/"+route.reference, nil)
	if err != nil {
		return "", false
	}
	req.Header.Set("Accept", manifestTypes)
	rec := newRecorder()
	r.app.ServeHTTP(rec, req)
	return rec.header.Get("Docker-Content-Digest"), rec.status == http.StatusOK
}

// writeError answers in the Distribution API's error shape.
func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]string{{"code": code, "message": message}},
	})
}

// imageSize is what a manifest accounts for: itself, its config and layers
// (an image), or the manifests it lists (an index).
func imageSize(manifest []byte) int64 {
	var m struct {
		Config    struct{ Size int64 } `json:"config"`
		Layers    []struct{ Size int64 }
		Manifests []struct{ Size int64 }
	}
	size := int64(len(manifest))
	if json.Unmarshal(manifest, &m) != nil {
		return size
	}
	size += m.Config.Size
	for _, l := range m.Layers {
		size += l.Size
	}
	for _, l := range m.Manifests {
		size += l.Size
	}
	return size
}

// capped keeps a copy of what is read through it, up to max bytes.
type capped struct {
	r   io.Reader
	buf bytes.Buffer
	max int
}

func (c *capped) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if room := c.max - c.buf.Len(); room > 0 {
		c.buf.Write(p[:min(n, room)])
	}
	return n, err
}

// statusWriter remembers the status the library answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// recorder is a response nobody reads but the middleware.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
