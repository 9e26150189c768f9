package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
	"github.com/cattle-dev/cattle/store"
)

const kindRepository = "repositories"

// Repository is a repository record: its name and tag mutability.
type Repository struct {
	Name      string    `json:"name"`
	Immutable bool      `json:"immutable"`
	CreatedAt time.Time `json:"created_at"`
}

// Repositories are the registry's repository records, kept in the
// sandbox's state. A push into a repository that has no record makes a
// mutable one, as ECR's create-on-push does.
type Repositories struct {
	db  *store.DB
	reg *Registry
}

// repoName is the Distribution API's repository name grammar.
var repoName = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)

// ValidateName checks a repository name.
func ValidateName(name string) error {
	if len(name) > 255 || !repoName.MatchString(name) {
		return errdefs.Invalid("repository name %q is not valid: use lowercase letters, digits and separators (. _ -), path components joined by /", name)
	}
	return nil
}

// Create makes a repository record.
func (rs *Repositories) Create(ctx context.Context, name string, immutable bool) (Repository, error) {
	if err := ValidateName(name); err != nil {
		return Repository{}, err
	}
	repo := Repository{Name: name, Immutable: immutable, CreatedAt: time.Now().UTC()}
	err := rs.db.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(kindRepository, name, &Repository{}); err == nil {
			return errdefs.Conflict("repository %s already exists: remove it first or choose another name", name)
		} else if !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		return putRepository(tx, repo)
	})
	return repo, err
}

func putRepository(tx *store.Tx, repo Repository) error {
	if _, err := tx.Put(kindRepository, repo.Name, repo); err != nil {
		return err
	}
	mutability := "mutable"
	if repo.Immutable {
		mutability = "immutable"
	}
	_, err := tx.Append(store.Event{Kind: "repository.created", Resource: "repository/" + repo.Name,
		Message: fmt.Sprintf("repository %s created (tags %s)", repo.Name, mutability),
		Fields:  map[string]string{"immutable": fmt.Sprint(repo.Immutable)}})
	return err
}

// ensure makes a mutable record for a repository pushed into without one.
func (rs *Repositories) ensure(name string) error {
	return rs.db.Update(func(tx *store.Tx) error {
		if _, err := tx.Get(kindRepository, name, &Repository{}); !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
		return putRepository(tx, Repository{Name: name, CreatedAt: time.Now().UTC()})
	})
}

// List returns the repository records by name.
func (rs *Repositories) List(ctx context.Context) ([]Repository, error) {
	var out []Repository
	err := rs.db.View(func(tx *store.Tx) (err error) {
		out, err = store.List[Repository](tx, kindRepository)
		return err
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Get returns one repository record.
func (rs *Repositories) Get(ctx context.Context, name string) (Repository, error) {
	repo, found, err := rs.get(name)
	if err == nil && !found {
		err = errdefs.NotFound("repository %s not found: create it with POST /v1/repositories, or push into it", name)
	}
	return repo, err
}

func (rs *Repositories) get(name string) (repo Repository, found bool, err error) {
	err = rs.db.View(func(tx *store.Tx) error {
		repo, err = store.Get[Repository](tx, kindRepository, name)
		return err
	})
	if errors.Is(err, errdefs.ErrNotFound) {
		return Repository{}, false, nil
	}
	return repo, err == nil, err
}

// Delete removes a repository record and its tags and manifests. A
// repository that holds tags is refused unless force, as ECR refuses
// (RepositoryNotEmptyException). Blobs stay until garbage collection.
func (rs *Repositories) Delete(ctx context.Context, name string, force bool) error {
	if _, err := rs.Get(ctx, name); err != nil {
		return err
	}
	tags, err := rs.reg.tags(ctx, name)
	if err != nil {
		return err
	}
	if len(tags) > 0 && !force {
		return errdefs.Conflict("repository %s holds %d tagged images (%s): remove them first, or force the deletion", name, len(tags), tags[0])
	}
	if err := os.RemoveAll(rs.reg.repositoryDir(name)); err != nil {
		return fmt.Errorf("removing the content of repository %s: %w", name, err)
	}
	return rs.db.Update(func(tx *store.Tx) error {
		if err := tx.Delete(kindRepository, name); err != nil {
			return err
		}
		_, err := tx.Append(store.Event{Kind: "repository.deleted", Resource: "repository/" + name,
			Message: fmt.Sprintf("repository %s deleted", name)})
		return err
	})
}

// repositoryDir is where the filesystem driver keeps a repository's links
// (its layout: docker/registry/v2/repositories/NAME).
func (r *Registry) repositoryDir(name string) string {
	return filepath.Join(r.dir, "docker", "registry", "v2", "repositories", filepath.FromSlash(name))
}

// tags lists a repository's tags through the Distribution API.
func (r *Registry) tags(ctx context.Context, name string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "/v2/"+name+"/tags/list", nil)
	if err != nil {
		return nil, err
	}
	rec := newRecorder()
	r.app.ServeHTTP(rec, req)
	if rec.status == http.StatusNotFound {
		return nil, nil
	}
	var out struct{ Tags []string }
	if rec.status != http.StatusOK {
		return nil, fmt.Errorf("listing the tags of %s: the registry answered %d: %s", name, rec.status, rec.body.String())
	}
	return out.Tags, json.Unmarshal(rec.body.Bytes(), &out)
}

func logWarn(what, name string, err error) {
	slog.Warn("registry: "+what+" failed", "repository", name, "err", err)
}
