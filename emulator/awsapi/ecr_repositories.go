package awsapi

import (
	"context"
	"errors"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

func ecrCreateRepository(ctx context.Context, r *Request) (any, error) {
	var in struct {
		ecrScope
		ImageTagMutability string `json:"imageTagMutability"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	immutable := false
	switch in.ImageTagMutability {
	case "", "MUTABLE":
	case "IMMUTABLE":
		immutable = true
	default:
		return nil, Errorf("InvalidParameterException",
			"Invalid parameter at 'imageTagMutability': %q is not one cattle models: use MUTABLE or IMMUTABLE", in.ImageTagMutability)
	}
	if err := registry.ValidateName(in.RepositoryName); err != nil {
		return nil, Errorf("InvalidParameterException", "Invalid parameter at 'repositoryName' failed to satisfy constraint: %v", err)
	}
	repo, err := r.Repositories.Create(ctx, in.RepositoryName, immutable)
	if errors.Is(err, errdefs.ErrConflict) {
		return nil, Errorf("RepositoryAlreadyExistsException",
			"The repository with name '%s' already exists in the registry with id '%s'", in.RepositoryName, Account)
	}
	if err != nil {
		return nil, err
	}
	return struct {
		Repository ecrRepository `json:"repository"`
	}{r.ecrRepository(repo)}, nil
}

func ecrDescribeRepositories(ctx context.Context, r *Request) (any, error) {
	var in struct {
		RegistryID      string   `json:"registryId"`
		RepositoryNames []string `json:"repositoryNames"`
		NextToken       string   `json:"nextToken"`
		MaxResults      *int     `json:"maxResults"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := ecrCheckRegistryID(in.RegistryID); err != nil {
		return nil, err
	}
	if len(in.RepositoryNames) > 0 && (in.MaxResults != nil || in.NextToken != "") {
		return nil, Errorf("InvalidParameterException",
			"Invalid parameter: maxResults and nextToken cannot be used together with repositoryNames")
	}
	var repos []registry.Repository
	if len(in.RepositoryNames) > 0 {
		for _, name := range in.RepositoryNames {
			repo, err := r.ecrRepositoryRecord(ctx, name)
			if err != nil {
				return nil, err
			}
			repos = append(repos, repo)
		}
	} else {
		var err error
		if repos, err = r.Repositories.List(ctx); err != nil {
			return nil, err
		}
	}
	from, to, next, err := ecrPage(len(repos), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		Repositories []ecrRepository `json:"repositories"`
		NextToken    string          `json:"nextToken,omitempty"`
	}{Repositories: []ecrRepository{}, NextToken: next}
	for _, repo := range repos[from:to] {
		out.Repositories = append(out.Repositories, r.ecrRepository(repo))
	}
	return out, nil
}

// deleteRepository removes a repository as `cattle repos rm` does: one
// holding tagged images only with force; the catalog then drops the
// images that went with it.
func ecrDeleteRepository(ctx context.Context, r *Request) (any, error) {
	var in struct {
		ecrScope
		Force bool `json:"force"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	repo, err := r.ecrRepositoryRecord(ctx, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	err = r.Repositories.Delete(ctx, in.RepositoryName, in.Force)
	switch {
	case errors.Is(err, errdefs.ErrNotFound):
		return nil, ecrRepositoryNotFound(in.RepositoryName)
	case errors.Is(err, errdefs.ErrConflict):
		return nil, Errorf("RepositoryNotEmptyException",
			"The repository with name '%s' in registry with id '%s' cannot be deleted because it still contains images: "+
				"delete them first (batch-delete-image), or pass force", in.RepositoryName, Account)
	case err != nil:
		return nil, err
	}
	if _, err := r.Images.Reconcile(ctx); err != nil {
		return nil, err
	}
	return struct {
		Repository ecrRepository `json:"repository"`
	}{r.ecrRepository(repo)}, nil
}
