package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/containerd/errdefs/pkg/errhttp"

	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// BakeRequest asks the daemon to bake an image. Paths in the spec are
// absolute (the client resolves them against the bake file's folder).
type BakeRequest struct {
	Spec bake.Spec `json:"spec"`
}

// BakeMessage is one line of a bake's answer (NDJSON): progress as it
// happens, then the result or the error.
type BakeMessage struct {
	Progress *bake.Progress `json:"progress,omitempty"`
	Result   *bake.Result   `json:"result,omitempty"`
	Error    string         `json:"error,omitempty"`
	Status   int            `json:"status,omitempty"` // the error's HTTP status, for its class
}

func (s *server) bakeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/images/bake", s.bake)
}

// bake runs a bake and streams its progress. What is refused before the
// bake runs (a bad spec, a missing base, an immutable tag) is an ordinary
// error answer; once it runs, the status is 200 and the last line says.
// The client going away cancels the bake, which then cleans up.
func (s *server) bake(w http.ResponseWriter, r *http.Request) {
	var req BakeRequest
	if !decode(w, r, &req) {
		return
	}
	if err := req.Spec.Validate(); err != nil {
		writeError(w, errdefs.Invalid("bad bake: %v", err))
		return
	}
	if s.b.Baker == nil {
		writeError(w, errdefs.Unavailable("this daemon does not bake images"))
		return
	}
	job, err := s.b.Baker.Prepare(r.Context(), req.Spec)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	var mu sync.Mutex
	enc := json.NewEncoder(w)
	flusher, _ := w.(http.Flusher)
	send := func(m BakeMessage) {
		mu.Lock()
		defer mu.Unlock()
		_ = enc.Encode(m)
		if flusher != nil {
			flusher.Flush()
		}
	}
	res, err := job.Run(r.Context(), func(p bake.Progress) { send(BakeMessage{Progress: &p}) })
	if err != nil {
		send(BakeMessage{Error: err.Error(), Status: errhttp.ToHTTP(err)})
		return
	}
	send(BakeMessage{Result: &res})
}

// Bake runs a bake on the daemon; progress, when set, receives its
// progress as it happens. Cancelling ctx cancels the bake.
func (c *Client) Bake(ctx context.Context, req BakeRequest, progress func(bake.Progress)) (bake.Result, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return bake.Result{}, err
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/v1/images/bake", bytes.NewReader(body))
	if err != nil {
		return bake.Result{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			return bake.Result{}, ctx.Err()
		}
		return bake.Result{}, fmt.Errorf("%w: nothing answers at %s (%v)", ErrDaemonNotRunning, c.sock, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return bake.Result{}, errorAnswer(resp)
	}
	return readBake(ctx, resp.Body, progress)
}

func readBake(ctx context.Context, body io.Reader, progress func(bake.Progress)) (bake.Result, error) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		var m BakeMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return bake.Result{}, fmt.Errorf("reading the daemon's bake progress: %w", err)
		}
		switch {
		case m.Progress != nil && progress != nil:
			progress(*m.Progress)
		case m.Result != nil:
			return *m.Result, nil
		case m.Error != "":
			status := m.Status
			if status == 0 {
				status = http.StatusInternalServerError
			}
			return bake.Result{}, &Error{Status: status, Code: errorCode(status), Message: m.Error}
		}
	}
	if ctx.Err() != nil {
		return bake.Result{}, ctx.Err()
	}
	return bake.Result{}, errors.Join(errors.New("the daemon stopped answering before the bake ended"), sc.Err())
}

// errorAnswer reads an error answer into an *Error.
func errorAnswer(resp *http.Response) error {
	var eb ErrorBody
	data, _ := io.ReadAll(resp.Body)
	if json.Unmarshal(data, &eb) != nil || eb.Error.Message == "" {
		eb.Error.Message = fmt.Sprintf("daemon answered %s: %s", resp.Status, bytes.TrimSpace(data))
	}
	return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
}
