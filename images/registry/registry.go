// Package registry serves the OCI Distribution API of a sandbox: the
// reference implementation (distribution/distribution) stores the content
// on the filesystem, and cattle's middleware in front of it adds what it
// lacks: repositories with immutable tags, and events on manifest pushes
// and deletes.
package registry

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"

	// The filesystem storage driver registers itself with the driver factory.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"

	"github.com/cattle-dev/cattle/store"
)

// Event is a manifest pushed or deleted.
type Event struct {
	Action     string    // ActionPush or ActionDelete
	Repository string    // e.g. "web"
	Tag        string    // empty for a push or delete by digest
	Digest     string    // sha256:...
	MediaType  string    // of the manifest (pushes only)
	Size       int64     // the manifest and what it references, in bytes (pushes only)
	Time       time.Time // when the registry answered
}

// Event actions.
const (
	ActionPush   = "push"
	ActionDelete = "delete"
)

// Config configures a registry.
type Config struct {
	// Dir is where the content lives (the sandbox's STATE_DIR/registry).
	Dir string
	// DB holds the repository records.
	DB *store.DB
	// OnEvent, when set, is called after each manifest push or delete.
	OnEvent func(Event)
	// GCQuiet is how long no write must have come before a garbage
	// collection starts (DefaultGCQuiet when zero).
	GCQuiet time.Duration
}

// Registry is the sandbox's registry: an http.Handler.
type Registry struct {
	app     *handlers.App
	dir     string
	repos   *Repositories
	onEvent func(Event)
	addr    atomic.Pointer[string]
	// blobGets counts blob downloads: a launch of an image the engine has
	// makes none.
	blobGets atomic.Int64

	// writeMu lets writes run together but not during a garbage collection.
	writeMu   sync.RWMutex
	lastWrite atomic.Int64 // unix nanoseconds of the last write's end
	gcQuiet   time.Duration

	// immutableMu serialises manifest pushes into immutable repositories,
	// so that two pushes of one new tag cannot both find it free.
	immutableMu sync.Mutex
}

// New opens the registry stored in cfg.Dir, creating it if need be.
func New(ctx context.Context, cfg Config) (*Registry, error) {
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the registry directory: %w", err)
	}
	quietLogging()
	conf, err := appConfig(cfg.Dir)
	if err != nil {
		return nil, err
	}
	app, err := newApp(ctx, conf)
	if err != nil {
		return nil, err
	}
	r := &Registry{app: app, dir: cfg.Dir, onEvent: cfg.OnEvent, gcQuiet: cmp.Or(cfg.GCQuiet, DefaultGCQuiet)}
	r.repos = &Repositories{db: cfg.DB, reg: r}
	return r, nil
}

// newApp turns the panics NewApp reports a bad configuration with into an error.
func newApp(ctx context.Context, conf *configuration.Configuration) (app *handlers.App, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("starting the registry: %v", p)
		}
	}()
	return handlers.NewApp(ctx, conf), nil
}

// appConfig is the registry's configuration: filesystem storage, deletes
// enabled (content management), and no blob descriptor cache: a cache
// would still know the blobs a garbage collection removed.
func appConfig(dir string) (*configuration.Configuration, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	conf := &configuration.Configuration{}
	conf.Storage = configuration.Storage{
		"filesystem": configuration.Parameters{"rootdirectory": dir},
		"delete":     configuration.Parameters{"enabled": true},
	}
	// Signs the upload state handed to clients; uploads do not outlive the daemon.
	conf.HTTP.Secret = hex.EncodeToString(secret)
	// Layers that name where they are fetched from (non-distributable
	// layers) are accepted without being pushed, as the OCI spec allows.
	conf.Validation.Manifests.URLs.Allow = []string{"^https?://"}
	// The library's default, which only its YAML parser sets: left at 0,
	// GET /v2/_catalog lists no repository at all.
	conf.Catalog.MaxEntries = 1000
	return conf, nil
}

// Repositories are the registry's repository records.
func (r *Registry) Repositories() *Repositories { return r.repos }

// Close stops the registry's background work (the purge of stale uploads).
func (r *Registry) Close() error { return r.app.Shutdown() }
