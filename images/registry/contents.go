package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Contents lists what the registry holds, one push event per tag (its
// digest and image size), as the pushes would have reported them. A
// daemon that died between storing a manifest and recording it catches up
// from this when it starts again; a repository record missing for the
// same reason is made.
func (r *Registry) Contents(ctx context.Context) ([]Event, error) {
	names, err := r.repositoryNames(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	var out []Event
	for _, name := range names {
		tags, err := r.tags(ctx, name)
		if err != nil {
			return nil, err
		}
		if len(tags) > 0 {
			if err := r.repos.ensure(name); err != nil {
				return nil, err
			}
		}
		for _, tag := range tags {
			e, ok, err := r.tagEvent(ctx, name, tag)
			if err != nil {
				return nil, err
			}
			if ok {
				e.Time = now
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// tagEvent reads the manifest a tag names (ok false when it names none).
func (r *Registry) tagEvent(ctx context.Context, name, tag string) (Event, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/v2/"+name+"/manifests/"+url.PathEscape(tag), nil)
	if err != nil {
		return Event{}, false, err
	}
	req.Header.Set("Accept", manifestTypes)
	rec := newRecorder()
	r.app.ServeHTTP(rec, req)
	switch rec.status {
	case http.StatusOK:
	case http.StatusNotFound:
		return Event{}, false, nil
	default:
		return Event{}, false, fmt.Errorf("reading %s:%s: the registry answered %d", name, tag, rec.status)
	}
	return Event{Action: ActionPush, Repository: name, Tag: tag, Digest: rec.header.Get("Docker-Content-Digest"),
		MediaType: rec.header.Get("Content-Type"), Size: imageSize(rec.body.Bytes())}, true, nil
}

// repositoryNames lists every repository, a page of catalogPage at a time.
func (r *Registry) repositoryNames(ctx context.Context) ([]string, error) {
	const catalogPage = 1000 // the library's most, set in appConfig
	var names []string
	for {
		var page struct{ Repositories []string }
		path := fmt.Sprintf("/v2/_catalog?n=%d", catalogPage)
		if len(names) > 0 {
			path += "&last=" + url.QueryEscape(names[len(names)-1])
		}
		if err := r.getJSON(ctx, path, &page); err != nil {
			return nil, err
		}
		names = append(names, page.Repositories...)
		if len(page.Repositories) < catalogPage {
			return names, nil
		}
	}
}

func (r *Registry) getJSON(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	rec := newRecorder()
	r.app.ServeHTTP(rec, req)
	if rec.status != http.StatusOK {
		return fmt.Errorf("GET %s: the registry answered %d: %s", path, rec.status, rec.body.String())
	}
	return json.Unmarshal(rec.body.Bytes(), out)
}
