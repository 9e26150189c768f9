package awsapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ecrPolicy is what PutLifecyclePolicy and GetLifecyclePolicy answer.
type ecrPolicy struct {
	RegistryID          string `json:"registryId"`
	RepositoryName      string `json:"repositoryName"`
	LifecyclePolicyText string `json:"lifecyclePolicyText"`
}

// putLifecyclePolicy stores a repository's policy as `cattle repos
// lifecycle --file` does: the same JSON, checked the same way.
func ecrPutLifecyclePolicy(ctx context.Context, r *Request) (any, error) {
	var in struct {
		ecrScope
		LifecyclePolicyText string `json:"lifecyclePolicyText"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if in.LifecyclePolicyText == "" {
		return nil, Errorf("InvalidParameterException", "the request must contain the parameter lifecyclePolicyText")
	}
	if _, err := r.ecrRepositoryRecord(ctx, in.RepositoryName); err != nil {
		return nil, err
	}
	_, err := r.Images.SetLifecyclePolicy(ctx, in.RepositoryName, []byte(in.LifecyclePolicyText))
	if errors.Is(err, errdefs.ErrInvalid) {
		return nil, Errorf("InvalidParameterException",
			"Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: 'Lifecycle policy validation failure: %v'", err)
	}
	if err != nil {
		return nil, err
	}
	return ecrPolicy{RegistryID: Account, RepositoryName: in.RepositoryName, LifecyclePolicyText: in.LifecyclePolicyText}, nil
}

func ecrGetLifecyclePolicy(ctx context.Context, r *Request) (any, error) {
	var in ecrScope
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if _, err := r.ecrRepositoryRecord(ctx, in.RepositoryName); err != nil {
		return nil, err
	}
	sp, err := r.Images.LifecyclePolicy(ctx, in.RepositoryName)
	if errors.Is(err, errdefs.ErrNotFound) {
		return nil, Errorf("LifecyclePolicyNotFoundException",
			"Lifecycle policy does not exist for the repository with name '%s' in the registry with id '%s'", in.RepositoryName, Account)
	}
	if err != nil {
		return nil, err
	}
	text, err := json.Marshal(sp.Policy)
	if err != nil {
		return nil, err
	}
	return ecrPolicy{RegistryID: Account, RepositoryName: in.RepositoryName, LifecyclePolicyText: string(text)}, nil
}

// tokenLifetime is how long an authorization token says it lasts, as ECR's.
const ecrTokenLifetime = 12 * time.Hour

// getAuthorizationToken answers the user AWS and a password for the
// sandbox's registry. The registry serves 127.0.0.1 only and admits any
// client there, so any password works: the token is what `aws ecr
// get-login-password | docker login --username AWS --password-stdin`
// needs, and docker login then succeeds.
func ecrGetAuthorizationToken(_ context.Context, r *Request) (any, error) {
	var in struct {
		RegistryIDs []string `json:"registryIds"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	for _, id := range in.RegistryIDs {
		if err := ecrCheckRegistryID(id); err != nil {
			return nil, err
		}
	}
	type authData struct {
		Token         string  `json:"authorizationToken"`
		ExpiresAt     float64 `json:"expiresAt"`
		ProxyEndpoint string  `json:"proxyEndpoint"`
	}
	password := randomString(32, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	return struct {
		Data []authData `json:"authorizationData"`
	}{[]authData{{Token: base64.StdEncoding.EncodeToString([]byte("AWS:" + password)),
		ExpiresAt: ecrEpochSeconds(time.Now().Add(ecrTokenLifetime)), ProxyEndpoint: "http://" + r.RegistryAddr}}}, nil
}
