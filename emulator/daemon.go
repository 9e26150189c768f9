// Package emulator is the control plane of a sandbox: it wires the store,
// the container runtime, the image catalog and the controllers together and
// serves the API.
package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/autoscaling"
	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/drift"
	"github.com/cattle-dev/cattle/emulator/elb"
	"github.com/cattle-dev/cattle/emulator/observe"
	"github.com/cattle-dev/cattle/emulator/timing"
	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/store"
)

// Options configure a daemon.
type Options struct {
	Sandbox  string
	StateDir string
	Timing   timing.Profile
	Runtime  sandbox.Runtime
	// BinaryPath is the static cattle binary the demo image is made from.
	BinaryPath string
	// APIAddr is where the HTTP API listens ("127.0.0.1:0" picks a port,
	// and a restarted daemon takes the port it had before when it is free).
	APIAddr string
	// RegistryAddr is where the OCI registry listens, chosen and kept as APIAddr.
	RegistryAddr string
	// AWSAddr is where the AWS endpoint listens, chosen and kept as APIAddr.
	AWSAddr string
	// Owner, for an ephemeral sandbox, is the process it lives for: once
	// that is gone, PruneOrphans may remove the sandbox.
	Owner *Owner
}

// PIDFile is what the daemon writes into its state directory.
type PIDFile struct {
	PID      int    `json:"pid"`
	API      string `json:"api"`
	Socket   string `json:"socket"`
	Registry string `json:"registry"`
	AWS      string `json:"aws,omitempty"`
}

// Daemon is a running sandbox.
type Daemon struct {
	opts    Options
	paths   Paths
	db      *store.DB
	rt      sandbox.Runtime
	info    sandbox.Info
	compute *compute.Service
	lbs     *elb.Service
	groups  *autoscaling.Service
	drift   *drift.Service
	images  *images.Catalog
	reg     *registry.Registry
	baker   *bake.Baker
	network string
	started time.Time

	servers  []*http.Server
	sessions *api.Sessions
	stream   *observe.Stream
	apiAddr  string
	regAddr  string
	awsAddr  string
	cancel   context.CancelFunc
	bg       sync.WaitGroup
	// inflight counts requests being served, so that an abrupt stop ends
	// only once nothing of this daemon runs on.
	inflight sync.WaitGroup
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// ErrAlreadyRunning is returned when the sandbox's daemon runs already.
var ErrAlreadyRunning = errors.New("sandbox already running")

const kindDaemon = "daemon"

type daemonRecord struct {
	APIAddr      string `json:"api_addr"`
	RegistryAddr string `json:"registry_addr,omitempty"`
	AWSAddr      string `json:"aws_addr,omitempty"`
}

// Start brings a sandbox up: it opens the state, checks the engine, adopts
// what survived a previous daemon, starts the controllers and the API.
func Start(ctx context.Context, opts Options) (*Daemon, error) {
	if err := ValidateSandboxName(opts.Sandbox); err != nil {
		return nil, err
	}
	if opts.Timing.Name == "" {
		opts.Timing = timing.Fast()
	}
	if opts.APIAddr == "" {
		opts.APIAddr = "127.0.0.1:0"
	}
	if opts.RegistryAddr == "" {
		opts.RegistryAddr = "127.0.0.1:0"
	}
	if opts.AWSAddr == "" {
		opts.AWSAddr = "127.0.0.1:0"
	}
	paths := PathsIn(opts.StateDir)
	if err := os.MkdirAll(paths.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating the state directory: %w", err)
	}
	if err := CheckStateDir(paths.Dir, opts.Sandbox); err != nil {
		return nil, err
	}
	db, err := store.Open(paths.DB, store.ForSandbox(opts.Sandbox))
	if errors.Is(err, store.ErrLocked) {
		return nil, alreadyRunning(opts.Sandbox, paths)
	}
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: opts, paths: paths, db: db, rt: opts.Runtime, network: "cattle-" + opts.Sandbox,
		started: time.Now(), done: make(chan struct{})}
	if err := d.init(ctx); err != nil {
		d.closeAll()
		return nil, err
	}
	return d, nil
}

func alreadyRunning(name string, paths Paths) error {
	if pf, err := ReadPIDFile(paths); err == nil {
		return fmt.Errorf("%w: sandbox %s is already running (pid %d)", ErrAlreadyRunning, name, pf.PID)
	}
	return fmt.Errorf("%w: sandbox %s is already running (its state file %s is locked)", ErrAlreadyRunning, name, paths.DB)
}

// ReadPIDFile reads the daemon's pid file.
func ReadPIDFile(paths Paths) (PIDFile, error) {
	var pf PIDFile
	b, err := os.ReadFile(paths.PID)
	if err != nil {
		return pf, err
	}
	return pf, json.Unmarshal(b, &pf)
}

func (d *Daemon) init(ctx context.Context) error {
	if err := claimStateDir(d.paths, d.opts.Sandbox); err != nil {
		return err
	}
	info, err := d.rt.Info(ctx)
	if err != nil {
		return err
	}
	d.info = info
	labels := map[string]string{sandbox.LabelSandbox: d.opts.Sandbox, sandbox.LabelStateDir: d.paths.Dir}
	if d.opts.Owner != nil {
		labels[sandbox.LabelOwner] = d.opts.Owner.String()
	}
	if err := d.rt.EnsureNetwork(ctx, d.network, labels); err != nil {
		return fmt.Errorf("creating the sandbox network %s: %w", d.network, err)
	}
	if err := d.initImages(ctx); err != nil {
		return err
	}
	d.baker = &bake.Baker{Runtime: d.rt, Sandbox: d.opts.Sandbox, Registry: d.reg, Catalog: d.images, DB: d.db, RegistryAddr: d.regAddr}
	d.compute = compute.New(compute.Config{
		DB: d.db, Runtime: d.rt, Sandbox: d.opts.Sandbox, Network: d.network,
		Images: d.images, Profile: d.opts.Timing,
	})
	d.images.SetInUse(d.compute.ImageUsers)
	if err := d.compute.Reconcile(ctx, true); err != nil {
		return fmt.Errorf("adopting the sandbox's containers: %w", err)
	}
	d.lbs = elb.New(elb.Config{DB: d.db, Compute: d.compute, Profile: d.opts.Timing,
		BeforeDelete: func(ctx context.Context, name string) error { return d.groups.CheckLoadBalancerUnused(ctx, name) }})
	d.groups = autoscaling.New(autoscaling.Config{DB: d.db, Compute: d.compute, LB: d.lbs,
		Metrics: groupMetrics{lbs: d.lbs, compute: d.compute}, Profile: d.opts.Timing})
	d.drift = newDrift(d)
	d.compute.SetHooks(compute.Hooks{
		BeforeStop:           d.lbs.BeforeStop,
		BeforeDeleteTemplate: d.groups.CheckTemplateUnused,
		StateChanged: func(inst compute.Instance) {
			d.lbs.InstanceChanged(inst)
			d.groups.Notify()
			d.drift.Observe(inst)
		},
	})
	if err := d.lbs.Start(ctx); err != nil {
		return fmt.Errorf("starting the load balancers: %w", err)
	}
	d.startLoops()
	return d.serve()
}

// initImages readies the registry and the image catalog: what an unfinished
// bake left is removed, the registry serves before anything launches
// (instances are pulled from it) and the demo image is seeded into it.
func (d *Daemon) initImages(ctx context.Context) error {
	if err := removeBakeContainers(ctx, d.rt, d.opts.Sandbox); err != nil {
		return fmt.Errorf("removing the containers of unfinished bakes: %w", err)
	}
	var err error
	d.reg, err = registry.New(ctx, registry.Config{Dir: d.paths.Registry, DB: d.db, OnEvent: d.registryEvent})
	if err != nil {
		return err
	}
	d.images = images.NewCatalog(d.db, d.rt, d.opts.Sandbox, d.opts.BinaryPath, d.reg)
	// A daemon killed between the registry storing a push and the catalog
	// recording it left them apart: catch up before anyone reads either.
	if _, err := d.images.Reconcile(ctx); err != nil {
		return fmt.Errorf("reconciling the image catalog with the registry: %w", err)
	}
	if err := d.serveRegistry(); err != nil {
		return err
	}
	return d.images.EnsureBuiltins(ctx)
}

// startLoops starts the daemon's background work, stopped by d.cancel.
func (d *Daemon) startLoops() {
	bgctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	d.bg.Add(5)
	go func() {
		defer d.bg.Done()
		d.pruneLoop(bgctx)
	}()
	go func() {
		defer d.bg.Done()
		d.drift.Run(bgctx)
	}()
	go func() {
		defer d.bg.Done()
		d.compute.Run(bgctx, reconcileInterval(d.opts.Timing))
	}()
	go func() {
		defer d.bg.Done()
		d.backupLoop(bgctx)
	}()
	go func() {
		defer d.bg.Done()
		d.groups.Run(bgctx)
	}()
}

// reconcileInterval notices a dead container within the health check time,
// and never later than a few seconds whatever the profile.
func reconcileInterval(p timing.Profile) time.Duration {
	return min(p.HealthInterval, 2*time.Second)
}

// dashboardInterval is how often a watched dashboard is sent the state.
const dashboardInterval = time.Second

func (d *Daemon) serve() error {
	d.sessions = api.NewSessions()
	apiHandler := api.NewHandler(api.Backend{
		Compute: d.compute, LB: d.lbs, Groups: d.groups, Drift: d.drift, Images: d.images, Repositories: d.reg.Repositories(), DB: d.db,
		Baker: d.baker, Sessions: d.sessions, Status: d.status, Shutdown: d.shutdownFromAPI,
	})
	src := observe.Source{Compute: d.compute, LB: d.lbs, Groups: d.groups, DB: d.db}
	d.stream = observe.NewStream(src, dashboardInterval)
	handler := http.NewServeMux()
	observe.Routes(handler, observe.NewMetrics(src), d.stream, api.DashboardPath, apiHandler)
	token, err := loadToken(d.paths.Token)
	if err != nil {
		return err
	}
	_ = os.Remove(d.paths.Socket)
	unixLn, err := net.Listen("unix", d.paths.Socket)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", d.paths.Socket, err)
	}
	if err := os.Chmod(d.paths.Socket, 0o600); err != nil {
		unixLn.Close()
		return err
	}
	tcpLn, err := d.listenTCP(d.opts.APIAddr, "API", func(r *daemonRecord) *string { return &r.APIAddr })
	if err != nil {
		unixLn.Close()
		return err
	}
	d.apiAddr = tcpLn.Addr().String()
	for _, l := range []struct {
		ln      net.Listener
		handler http.Handler
	}{
		{unixLn, api.Guard(handler, api.GuardOptions{JSONOnly: true})},
		{tcpLn, api.Guard(handler, api.GuardOptions{JSONOnly: true, Token: token, TokenFile: d.paths.Token, Sessions: d.sessions})},
	} {
		d.startServer(l.ln, l.handler)
	}
	if err := d.serveAWS(); err != nil {
		return err
	}
	pf, _ := json.Marshal(PIDFile{PID: os.Getpid(), API: d.apiAddr, Socket: d.paths.Socket, Registry: d.regAddr, AWS: d.awsAddr})
	return os.WriteFile(d.paths.PID, pf, 0o600)
}

func (d *Daemon) startServer(ln net.Listener, handler http.Handler) {
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.inflight.Add(1)
		defer d.inflight.Done()
		handler.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: counted, ReadHeaderTimeout: 10 * time.Second}
	d.servers = append(d.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Error("server stopped", "addr", ln.Addr().String(), "err", err)
		}
	}()
}

// serveRegistry listens at the registry's address and serves it.
func (d *Daemon) serveRegistry() error {
	regLn, err := d.listenTCP(d.opts.RegistryAddr, "registry", func(r *daemonRecord) *string { return &r.RegistryAddr })
	if err != nil {
		return err
	}
	d.regAddr = regLn.Addr().String()
	d.reg.SetAddr(d.regAddr)
	// No token on the registry, as on any local registry (the docker CLI
	// pushes without a login), but the Host and Origin rules hold.
	d.startServer(regLn, api.Guard(d.reg, api.GuardOptions{}))
	return nil
}

// serveAWS listens at the AWS endpoint's address and serves it, admitting
// requests signed with the sandbox's own access key.
func (d *Daemon) serveAWS() error {
	creds, err := awsapi.LoadCredentials(d.paths.AWSCredentials)
	if err != nil {
		return err
	}
	ln, err := d.listenTCP(d.opts.AWSAddr, "AWS endpoint", func(r *daemonRecord) *string { return &r.AWSAddr })
	if err != nil {
		return err
	}
	d.awsAddr = ln.Addr().String()
	d.startServer(ln, awsapi.NewServer(awsapi.Backend{
		Compute: d.compute, LB: d.lbs, Groups: d.groups, Images: d.images, Repositories: d.reg.Repositories(),
		Sandbox: d.opts.Sandbox, RegistryAddr: d.regAddr,
	}, creds))
	return nil
}

// listenTCP listens on 127.0.0.1 at want, on the port the sandbox had
// before (kept in the record's field) if want's port is 0 and that one is
// free, so that addresses a user noted keep working after a restart.
func (d *Daemon) listenTCP(want, what string, field func(*daemonRecord) *string) (net.Listener, error) {
	var rec daemonRecord
	_ = d.db.View(func(tx *store.Tx) error {
		_, err := tx.Get(kindDaemon, "api", &rec)
		return err
	})
	host, port, err := net.SplitHostPort(want)
	if err != nil {
		return nil, fmt.Errorf("%s address %q: %w", what, want, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("%s address %q is not on loopback: the %s only listens on 127.0.0.1", what, want, what)
	}
	if kept := *field(&rec); port == "0" && kept != "" {
		if ln, err := net.Listen("tcp", kept); err == nil {
			return ln, nil
		}
	}
	ln, err := net.Listen("tcp", want)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w (choose another port)", want, err)
	}
	*field(&rec) = ln.Addr().String()
	err = d.db.Update(func(tx *store.Tx) error {
		_, err := tx.Put(kindDaemon, "api", rec)
		return err
	})
	if err != nil {
		ln.Close()
	}
	return ln, err
}

func (d *Daemon) status(ctx context.Context) (api.Status, error) {
	counts := map[string]int{}
	insts, err := d.compute.Instances(ctx)
	if err != nil {
		return api.Status{}, err
	}
	for _, i := range insts {
		if i.Live() {
			counts["instances"]++
		}
	}
	tpls, err := d.compute.Templates(ctx)
	if err != nil {
		return api.Status{}, err
	}
	counts["templates"] = len(tpls)
	imgs, err := d.images.List(ctx, false)
	if err != nil {
		return api.Status{}, err
	}
	counts["images"] = len(imgs)
	return api.Status{
		Sandbox: d.opts.Sandbox, PID: os.Getpid(), API: d.apiAddr, Registry: d.regAddr, Socket: d.paths.Socket,
		AWSEndpoint: "http://" + d.awsAddr, Region: awsapi.Region,
		StateDir: d.paths.Dir, Network: d.network, Timing: d.opts.Timing.Name,
		EngineVersion: d.info.Version, EngineHost: d.info.Host,
		StartedAt: d.started.UTC().Format(time.RFC3339), Counts: counts,
	}, nil
}

// APIAddr is the 127.0.0.1 address of the HTTP API.
func (d *Daemon) APIAddr() string { return d.apiAddr }

// RegistryBlobGets is how many blob downloads the registry has served.
func (d *Daemon) RegistryBlobGets() int64 { return d.reg.BlobGets() }

// AWSAddr is the 127.0.0.1 address of the AWS endpoint.
func (d *Daemon) AWSAddr() string { return d.awsAddr }

// RegistryAddr is the 127.0.0.1 address of the OCI registry.
func (d *Daemon) RegistryAddr() string { return d.regAddr }

// Paths are the daemon's files.
func (d *Daemon) Paths() Paths { return d.paths }

// Client returns an API client bound to the daemon's socket.
func (d *Daemon) Client() *api.Client { return api.NewClient(d.paths.Socket) }

// Done is closed when the daemon has stopped.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Err is the error the daemon stopped with, once Done is closed.
func (d *Daemon) Err() error { return d.stopErr }

func (d *Daemon) shutdownFromAPI(purge bool) {
	// Let the API answer before its listeners close.
	time.Sleep(50 * time.Millisecond)
	_ = d.Stop(context.Background(), StopOptions{Teardown: true, Purge: purge})
}

// StopOptions say how much a stop removes.
type StopOptions struct {
	// Teardown removes every container and network carrying the sandbox's
	// label and records the instances as terminated.
	Teardown bool
	// Purge also removes the sandbox's images and its state directory.
	Purge bool
	// Abrupt closes every connection at once instead of letting requests
	// in flight finish: what a killed process leaves its clients with.
	Abrupt bool
}

// Stop stops the controllers and the API, and tears down what opts say.
// Without Teardown the containers keep running, for the next daemon to adopt.
func (d *Daemon) Stop(ctx context.Context, opts StopOptions) error {
	d.stopOnce.Do(func() {
		if d.stream != nil {
			d.stream.Close() // dashboards' streams would hold up the shutdown
		}
		for _, srv := range d.servers {
			if opts.Abrupt {
				_ = srv.Close()
				continue
			}
			sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			_ = srv.Shutdown(sctx)
			cancel()
		}
		if d.cancel != nil {
			d.cancel()
		}
		d.bg.Wait()
		if opts.Abrupt {
			d.waitInflight(ctx)
		}
		var errs []error
		if opts.Teardown || opts.Purge {
			errs = append(errs, d.teardown(ctx, opts.Purge))
		}
		// After the teardown, which drains instances through them.
		if d.lbs != nil {
			d.lbs.Close(context.Background())
		}
		if d.db != nil && !opts.Purge {
			d.backup("shutdown")
		}
		d.closeAll()
		_ = os.Remove(d.paths.Socket)
		_ = os.Remove(d.paths.PID)
		if opts.Purge {
			errs = append(errs, RemoveStateDir(d.paths, d.opts.Sandbox))
		}
		d.stopErr = errors.Join(errs...)
		close(d.done)
	})
	<-d.done
	return d.stopErr
}

// waitInflight waits (2 minutes at most) for the requests whose
// connections an abrupt stop cut: a bake cleaning up after itself, a
// manifest being stored.
func (d *Daemon) waitInflight(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		d.inflight.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(2 * time.Minute):
		slog.Warn("stopping with requests still running")
	}
}

func (d *Daemon) teardown(ctx context.Context, purge bool) error {
	var errs []error
	if d.compute != nil {
		if insts, err := d.compute.Instances(ctx); err == nil {
			var live []string
			for _, i := range insts {
				if i.Live() {
					live = append(live, i.ID)
				}
			}
			if len(live) > 0 {
				_, err := d.compute.Terminate(ctx, live, "Client.UserInitiatedShutdown: the sandbox was taken down")
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, Teardown(ctx, d.rt, d.opts.Sandbox, purge))
	if purge && d.regAddr != "" {
		errs = append(errs, untagRegistryRefs(ctx, d.rt, d.regAddr))
	}
	return errors.Join(errs...)
}

// untagRegistryRefs removes the engine's references into the sandbox's
// registry (pushes and pulls made them): with the registry gone they name
// nothing. Only the references go, and only from images that keep a tag
// of their own: a user's image is never deleted.
func untagRegistryRefs(ctx context.Context, rt sandbox.Runtime, regAddr string) error {
	imgs, err := rt.ListImages(ctx, nil)
	if err != nil {
		return err
	}
	var errs []error
	for _, img := range imgs {
		ours := func(tag string) bool { return strings.HasPrefix(tag, regAddr+"/") }
		if !slices.ContainsFunc(img.Tags, func(tag string) bool { return !ours(tag) }) {
			continue // its last reference: untagging would delete an image that may be the user's
		}
		for _, tag := range img.Tags {
			if ours(tag) {
				if err := rt.ImageUntag(ctx, tag); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// Teardown removes every container and network carrying the sandbox's
// label, and with purge its images too. It needs no daemon, so that
// `cattle down` cleans up after one that died.
func Teardown(ctx context.Context, rt sandbox.Runtime, sandboxName string, purge bool) error {
	labels := map[string]string{sandbox.LabelSandbox: sandboxName}
	var errs []error
	cs, err := rt.List(ctx, labels)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	// A few at a time: the engine takes no more at once (see
	// compute.DefaultLaunchParallel), and Docker 20.10 removing hundreds
	// at once has left stale endpoints that keep the network.
	sem := make(chan struct{}, compute.DefaultLaunchParallel)
	for _, c := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := rt.Remove(ctx, c.ID, true); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	errs = append(errs, removeBakeContainers(ctx, rt, sandboxName))
	errs = append(errs, rt.RemoveNetworks(ctx, labels))
	if purge {
		imgs, err := rt.ListImages(ctx, map[string]string{sandbox.LabelImageSandbox: sandboxName})
		errs = append(errs, err)
		for _, img := range imgs {
			err := rt.RemoveImage(ctx, img.ID)
			if errors.Is(err, errdefs.ErrConflict) {
				// A container cattle did not make runs from it: that
				// container is the user's, and so the image stays.
				slog.Warn("keeping an image a container outside the sandbox uses", "image", img.ID, "tags", img.Tags)
				continue
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (d *Daemon) closeAll() {
	for _, srv := range d.servers {
		_ = srv.Close()
	}
	if d.reg != nil {
		_ = d.reg.Close()
	}
	if d.db != nil {
		_ = d.db.Close()
	}
}

// removeBakeContainers removes the build and test containers of the
// sandbox's bakes: called when no bake runs (daemon start, teardown).
func removeBakeContainers(ctx context.Context, rt sandbox.Runtime, sandboxName string) error {
	cs, err := rt.List(ctx, map[string]string{bake.LabelBake: sandboxName})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range cs {
		errs = append(errs, rt.Remove(ctx, c.ID, true))
	}
	return errors.Join(errs...)
}
