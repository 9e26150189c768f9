package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/containerd/errdefs/pkg/errhttp"

	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/store"
)

// Error is a failed API request, as the daemon reported it: its message
// is the daemon's, and it matches the errdefs class of its status (errors.Is
// with errdefs.ErrNotFound and the rest).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap is the errdefs class the status stands for.
func (e *Error) Unwrap() error { return errhttp.ToNative(e.Status) }

// ErrDaemonNotRunning means nothing answers on the sandbox's socket.
var ErrDaemonNotRunning = errors.New("daemon not running")

// Client talks to one sandbox's daemon.
type Client struct {
	http  *http.Client
	base  string
	sock  string
	token string
}

// NewClient returns a client for the daemon listening on the unix socket.
func NewClient(socketPath string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socketPath)
		},
		MaxIdleConnsPerHost: 8,
	}
	// localhost: the daemon refuses any Host that is not a loopback name.
	return &Client{http: &http.Client{Transport: tr}, base: "http://localhost", sock: socketPath}
}

// NewHTTPClient returns a client for a daemon's 127.0.0.1 address; token is
// the sandbox's API token (the daemon's TCP listener refuses requests
// without it).
func NewHTTPClient(addr, token string) *Client {
	return &Client{http: &http.Client{}, base: "http://" + addr, sock: addr, token: token}
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil || method != http.MethodGet {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: nothing answers at %s (%v)", ErrDaemonNotRunning, c.sock, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var eb ErrorBody
		data, _ := io.ReadAll(resp.Body)
		if json.Unmarshal(data, &eb) != nil || eb.Error.Message == "" {
			eb.Error.Message = fmt.Sprintf("daemon answered %s: %s", resp.Status, bytes.TrimSpace(data))
		}
		return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *[]byte:
		*o, err = io.ReadAll(resp.Body)
		return err
	default:
		return json.NewDecoder(resp.Body).Decode(out)
	}
}

// Status describes the sandbox.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var out Status
	return out, c.do(ctx, http.MethodGet, "/v1/status", nil, &out)
}

// DashboardLogin mints a one-time login to the dashboard.
func (c *Client) DashboardLogin(ctx context.Context) (DashboardLogin, error) {
	var out DashboardLogin
	return out, c.do(ctx, http.MethodPost, "/v1/dashboard/login", nil, &out)
}

// Shutdown asks the daemon to remove what carries the sandbox's label and stop.
func (c *Client) Shutdown(ctx context.Context, purge bool) error {
	return c.do(ctx, http.MethodPost, "/v1/shutdown", ShutdownRequest{Purge: purge}, nil)
}

// Templates lists launch templates.
func (c *Client) Templates(ctx context.Context) ([]compute.Template, error) {
	var out []compute.Template
	return out, c.do(ctx, http.MethodGet, "/v1/templates", nil, &out)
}

// Template returns a template with its versions.
func (c *Client) Template(ctx context.Context, name string) (TemplateDetail, error) {
	var out TemplateDetail
	return out, c.do(ctx, http.MethodGet, "/v1/templates/"+url.PathEscape(name), nil, &out)
}

// CreateTemplate makes a template and its version 1.
func (c *Client) CreateTemplate(ctx context.Context, req CreateTemplateRequest) (TemplateDetail, error) {
	var out TemplateDetail
	return out, c.do(ctx, http.MethodPost, "/v1/templates", req, &out)
}

// DeleteTemplate removes a template and all its versions. Instances
// launched from it keep running; a group that launches from it refuses.
func (c *Client) DeleteTemplate(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, "/v1/templates/"+url.PathEscape(name), nil, nil)
}

// CreateVersion adds a template version.
func (c *Client) CreateVersion(ctx context.Context, name string, req CreateVersionRequest) (compute.TemplateVersion, error) {
	var out compute.TemplateVersion
	return out, c.do(ctx, http.MethodPost, "/v1/templates/"+url.PathEscape(name)+"/versions", req, &out)
}

// SetDefaultVersion sets a template's default version.
func (c *Client) SetDefaultVersion(ctx context.Context, name, version string) (compute.Template, error) {
	var out compute.Template
	return out, c.do(ctx, http.MethodPost, "/v1/templates/"+url.PathEscape(name)+"/default", SetDefaultRequest{Version: version}, &out)
}

// Instances lists instances.
func (c *Client) Instances(ctx context.Context) ([]compute.Instance, error) {
	var out []compute.Instance
	return out, c.do(ctx, http.MethodGet, "/v1/instances", nil, &out)
}

// Instance returns one instance.
func (c *Client) Instance(ctx context.Context, id string) (compute.Instance, error) {
	var out compute.Instance
	return out, c.do(ctx, http.MethodGet, "/v1/instances/"+url.PathEscape(id), nil, &out)
}

// RunInstances launches instances.
func (c *Client) RunInstances(ctx context.Context, req RunInstancesRequest) ([]compute.Instance, error) {
	var out []compute.Instance
	return out, c.do(ctx, http.MethodPost, "/v1/instances", req, &out)
}

// Terminate terminates instances.
func (c *Client) Terminate(ctx context.Context, ids ...string) ([]compute.Instance, error) {
	var out []compute.Instance
	return out, c.do(ctx, http.MethodPost, "/v1/instances/terminate", TerminateRequest{IDs: ids}, &out)
}

// Logs returns an instance's output.
func (c *Client) Logs(ctx context.Context, id string, tail int) ([]byte, error) {
	var out []byte
	return out, c.do(ctx, http.MethodGet, "/v1/instances/"+url.PathEscape(id)+"/logs?tail="+strconv.Itoa(tail), nil, &out)
}

// Events returns events after seq; a wait > 0 long-polls for new ones.
func (c *Client) Events(ctx context.Context, after uint64, wait time.Duration) ([]store.Event, error) {
	var out []store.Event
	q := url.Values{"after": {strconv.FormatUint(after, 10)}}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	return out, c.do(ctx, http.MethodGet, "/v1/events?"+q.Encode(), nil, &out)
}
