package awsapi

import (
	"context"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"github.com/cattle-dev/cattle/images/registry"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ecrActions are ECR's actions (JSON 1.1, X-Amz-Target
// AmazonEC2ContainerRegistry_V20150921.ACTION).
func ecrActions() []Action {
	return []Action{
		{Name: "CreateRepository", Handler: ecrCreateRepository,
			Note: "tags, scanning and encryption settings are accepted and not kept; the *_WITH_EXCLUSION mutabilities are refused"},
		{Name: "DescribeRepositories", Handler: ecrDescribeRepositories},
		{Name: "DeleteRepository", Handler: ecrDeleteRepository,
			Note: "the repository's lifecycle policy is kept (a repository made again under the name has it)"},
		{Name: "DescribeImages", Handler: ecrDescribeImages,
			Note: "no scan findings, manifest media types or pull times"},
		{Name: "BatchDeleteImage", Handler: ecrBatchDeleteImage,
			Note: "an image a launch template version or a live instance uses is refused, as a failure with code ImageInUse"},
		{Name: "PutLifecyclePolicy", Handler: ecrPutLifecyclePolicy,
			Note: "policies apply hourly and at `cattle images prune`, where ECR applies them within a day"},
		{Name: "GetLifecyclePolicy", Handler: ecrGetLifecyclePolicy,
			Note: "the text is the stored policy written out again: the same rules, compact JSON"},
		{Name: "GetAuthorizationToken", Handler: ecrGetAuthorizationToken,
			Note: "the registry admits anyone on 127.0.0.1: the token exists so that `docker login` works"},
	}
}

// ecrRepository is ECR's Repository.
type ecrRepository struct {
	RepositoryArn      string  `json:"repositoryArn"`
	RegistryID         string  `json:"registryId"`
	RepositoryName     string  `json:"repositoryName"`
	RepositoryURI      string  `json:"repositoryUri"`
	CreatedAt          float64 `json:"createdAt"`
	ImageTagMutability string  `json:"imageTagMutability"`
	ImageScanning      struct {
		ScanOnPush bool `json:"scanOnPush"`
	} `json:"imageScanningConfiguration"`
	Encryption struct {
		EncryptionType string `json:"encryptionType"`
	} `json:"encryptionConfiguration"`
}

func (r *Request) ecrRepository(repo registry.Repository) ecrRepository {
	out := ecrRepository{RepositoryArn: "arn:aws:ecr:" + Region + ":" + Account + ":repository/" + repo.Name,
		RegistryID: Account, RepositoryName: repo.Name, RepositoryURI: r.RegistryAddr + "/" + repo.Name,
		CreatedAt: ecrEpochSeconds(repo.CreatedAt), ImageTagMutability: "MUTABLE"}
	if repo.Immutable {
		out.ImageTagMutability = "IMMUTABLE"
	}
	out.Encryption.EncryptionType = "AES256"
	return out
}

// epochSeconds is a time as the JSON protocol writes timestamps.
func ecrEpochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// ecrScope are the members every request naming a repository has.
type ecrScope struct {
	RegistryID     string `json:"registryId"`
	RepositoryName string `json:"repositoryName"`
}

// check refuses another registry's id and a missing repository name.
func (s ecrScope) check() error {
	if err := ecrCheckRegistryID(s.RegistryID); err != nil {
		return err
	}
	if s.RepositoryName == "" {
		return Errorf("InvalidParameterException", "the request must contain the parameter repositoryName")
	}
	return nil
}

func ecrCheckRegistryID(id string) error {
	if id != "" && id != Account {
		return Errorf("InvalidParameterException",
			"Invalid parameter at 'registryId': %s is not this sandbox's registry, which is %s (or leave registryId out)", id, Account)
	}
	return nil
}

func ecrRepositoryNotFound(name string) *Error {
	return Errorf("RepositoryNotFoundException",
		"The repository with name '%s' does not exist in the registry with id '%s'", name, Account)
}

// repository returns the record of the repository a request names, or
// RepositoryNotFoundException.
func (r *Request) ecrRepositoryRecord(ctx context.Context, name string) (registry.Repository, error) {
	repo, err := r.Repositories.Get(ctx, name)
	if errors.Is(err, errdefs.ErrNotFound) {
		return repo, ecrRepositoryNotFound(name)
	}
	return repo, err
}

// page cuts one page of n items from a listing: from the offset token
// holds (empty: the start), maxResults of them (nil: def), and the token
// of the next page ("" at the end).
func ecrPage(n int, token string, maxResults *int, def int) (from, to int, next string, err error) {
	size := def
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 1000 {
			return 0, 0, "", Errorf("InvalidParameterException",
				"Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
		}
		size = *maxResults
	}
	if token != "" {
		b, derr := base64.RawURLEncoding.DecodeString(token)
		from, err = strconv.Atoi(string(b))
		if derr != nil || err != nil || from < 0 || from > n {
			return 0, 0, "", Errorf("InvalidParameterException",
				"Invalid parameter at 'nextToken': it is not a token a previous page of this listing returned")
		}
	}
	to = min(n, from+size)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(to)))
	}
	return from, to, next, nil
}
