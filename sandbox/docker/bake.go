package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// ImportImage makes an image of a root filesystem tar stream, labelled
// through LABEL changes (the import API takes no labels of its own).
func (r *Runtime) ImportImage(ctx context.Context, rootfs io.Reader, labels map[string]string) (string, error) {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var changes []string
	for _, k := range keys {
		changes = append(changes, fmt.Sprintf("LABEL %q=%q", k, labels[k]))
	}
	res, err := r.cli.ImageImport(ctx, client.ImageImportSource{Source: rootfs, SourceName: "-"}, "",
		client.ImageImportOptions{Changes: changes, Message: "imported by cattle"})
	if err != nil {
		return "", r.wrap("import image", err)
	}
	defer res.Close()
	var id string
	dec := json.NewDecoder(res)
	for {
		var msg struct {
			Status      string                    `json:"status"`
			ErrorDetail *struct{ Message string } `json:"errorDetail"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", fmt.Errorf("import image: reading the engine's answer: %w", err)
		}
		if msg.ErrorDetail != nil && msg.ErrorDetail.Message != "" {
			return "", fmt.Errorf("import image: %s", msg.ErrorDetail.Message)
		}
		if s := strings.TrimSpace(msg.Status); strings.HasPrefix(s, "sha256:") {
			id = s
		}
	}
	if id == "" {
		return "", errors.New("import image: the engine reported no image id")
	}
	return id, nil
}

// CopyToContainer extracts a tar stream into dir of a container.
func (r *Runtime) CopyToContainer(ctx context.Context, id, dir string, content io.Reader) error {
	_, err := r.cli.CopyToContainer(ctx, id, client.CopyToContainerOptions{DestinationPath: dir, Content: content})
	return r.wrap("copy into container "+id+":"+dir, err)
}

// ExecStream runs cmd in a running container, writing its output to w as
// it comes. A command the engine cannot start ends as Exec reports it: exit
// code 126 or 127, the engine's message written to w.
func (r *Runtime) ExecStream(ctx context.Context, id string, cmd []string, w io.Writer) (int, error) {
	if len(cmd) == 0 {
		return 0, fmt.Errorf("exec in container %s: the command is empty", id)
	}
	what := fmt.Sprintf("exec %q in container %s", strings.Join(cmd, " "), id)
	created, err := r.cli.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return 0, r.wrap(what, err)
	}
	attached, err := r.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return 0, r.wrap(what, err)
	}
	defer attached.Close()
	stop := context.AfterFunc(ctx, attached.Close)
	defer stop()
	_, copyErr := stdcopy.StdCopy(w, w, attached.Reader)
	if ctx.Err() != nil {
		return 0, fmt.Errorf("%s: %w", what, ctx.Err())
	}
	code, err := r.waitExec(ctx, created.ID)
	if err != nil {
		return 0, r.wrap(what, err)
	}
	if copyErr != nil {
		if code == 0 {
			return 0, fmt.Errorf("%s: reading its output: %w", what, copyErr)
		}
		fmt.Fprintln(w, strings.TrimSpace(strings.TrimPrefix(copyErr.Error(), "error from daemon in stream: ")))
	}
	return code, nil
}
