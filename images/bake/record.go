package bake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cattle-dev/cattle/store"
)

// ManifestFile is the manifest of builds written beside a bake file, in
// the shape of Packer's manifest post-processor.
const ManifestFile = "cattle-manifest.json"

// Manifest is the content of ManifestFile.
type Manifest struct {
	Builds      []ManifestBuild `json:"builds"`
	LastRunUUID string          `json:"last_run_uuid"`
}

// ManifestBuild is one successful bake.
type ManifestBuild struct {
	Name        string            `json:"name"`
	BuilderType string            `json:"builder_type"`
	BuildTime   int64             `json:"build_time"`
	Files       []string          `json:"files"`
	ArtifactID  string            `json:"artifact_id"`
	RunUUID     string            `json:"packer_run_uuid"`
	CustomData  map[string]string `json:"custom_data"`
}

// finish records the outcome of a bake: the catalog's record, an event,
// and for a bake file, the manifest beside it.
func (j *Job) finish(ctx context.Context, res Result, err error) {
	if rerr := j.b.Catalog.RecordBake(ctx, j.outcome(res, err)); rerr != nil {
		slog.Warn("bake: recording the outcome", "repository", j.spec.Name, "err", rerr)
	}
	if eerr := j.event(res, err); eerr != nil {
		slog.Warn("bake: recording the event", "repository", j.spec.Name, "err", eerr)
	}
	if err == nil && j.spec.File != "" {
		if merr := j.appendManifest(res); merr != nil {
			slog.Warn("bake: writing the manifest", "file", j.spec.File, "err", merr)
		}
	}
}

func (j *Job) event(res Result, err error) error {
	ref := imageRef(j.spec.Name, strings.Join(j.tags, ","))
	ev := store.Event{Time: time.Now().UTC(), Resource: "repository/" + j.spec.Name,
		Fields: map[string]string{"repository": j.spec.Name, "tags": strings.Join(j.tags, ","), "base": j.spec.From.String()}}
	if err != nil {
		ev.Kind, ev.Fields["state"] = "image.bake-failed", "failed"
		ev.Message = fmt.Sprintf("bake of %s failed: %v", ref, err)
	} else {
		ev.Kind, ev.Fields["state"], ev.Fields["digest"] = "image.baked", "available", res.Digest
		ev.Message = fmt.Sprintf("%s baked from %s (%s, %d bytes) in %.1fs", ref, j.spec.From, res.Digest, res.Size, res.Seconds)
	}
	return j.b.DB.Update(func(tx *store.Tx) error {
		_, err := tx.Append(ev)
		return err
	})
}

func imageRef(name, tag string) string { return name + ":" + tag }

// appendManifest adds this build to the manifest beside the bake file,
// written whole to a temporary file and renamed over the old one.
func (j *Job) appendManifest(res Result) error {
	p := filepath.Join(filepath.Dir(j.spec.File), ManifestFile)
	var m Manifest
	if b, err := os.ReadFile(p); err == nil {
		if err := json.Unmarshal(b, &m); err != nil {
			return fmt.Errorf("%s is not a manifest (%v): left as it is", p, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	run := newUUID()
	m.Builds = append(m.Builds, ManifestBuild{
		Name: j.spec.Name, BuilderType: "cattle.bake", BuildTime: time.Now().Unix(), Files: []string{},
		ArtifactID: res.Digest, RunUUID: run,
		CustomData: map[string]string{"references": strings.Join(res.References, ","), "image_id": res.ImageID,
			"base": j.spec.From.String(), "bake_file_sha256": j.spec.FileSHA256},
	})
	m.LastRunUUID = run
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
