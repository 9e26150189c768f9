package awsapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/cattle-dev/cattle/images"
	"github.com/cattle-dev/cattle/internal/errdefs"
)

// ecrImageID is ECR's ImageIdentifier.
type ecrImageID struct {
	ImageDigest string `json:"imageDigest,omitempty"`
	ImageTag    string `json:"imageTag,omitempty"`
}

func (id ecrImageID) String() string {
	return fmt.Sprintf("{imageDigest:'%s', imageTag:'%s'}", ecrOrNull(id.ImageDigest), ecrOrNull(id.ImageTag))
}

func ecrOrNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// ecrImageDetail is ECR's ImageDetail.
type ecrImageDetail struct {
	RegistryID     string   `json:"registryId"`
	RepositoryName string   `json:"repositoryName"`
	ImageDigest    string   `json:"imageDigest"`
	ImageTags      []string `json:"imageTags,omitempty"`
	ImageSize      int64    `json:"imageSizeInBytes"`
	ImagePushedAt  float64  `json:"imagePushedAt"`
}

var ecrDigestPattern = regexp.MustCompile(`^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$`)

// repositoryImages are the images the registry holds in repository name,
// from the catalog: every record with a manifest not deregistered.
func (r *Request) ecrRepositoryImages(ctx context.Context, name string) ([]images.Image, error) {
	all, err := r.Images.List(ctx, true)
	return slices.DeleteFunc(all, func(img images.Image) bool {
		return img.Repository != name || img.Digest == "" || img.State == images.StateDeregistered
	}), err
}

// findImage is the image an id names (by digest, tag or both), or false.
func ecrFindImage(imgs []images.Image, id ecrImageID) (images.Image, bool) {
	for _, img := range imgs {
		if (id.ImageDigest == "" || img.Digest == id.ImageDigest) && (id.ImageTag == "" || slices.Contains(img.Tags, id.ImageTag)) {
			return img, true
		}
	}
	return images.Image{}, false
}

func ecrDescribeImages(ctx context.Context, r *Request) (any, error) {
	var in struct {
		ecrScope
		ImageIDs []ecrImageID `json:"imageIds"`
		Filter   struct {
			TagStatus string `json:"tagStatus"`
		} `json:"filter"`
		NextToken  string `json:"nextToken"`
		MaxResults *int   `json:"maxResults"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if !slices.Contains([]string{"", "TAGGED", "UNTAGGED", "ANY"}, in.Filter.TagStatus) {
		return nil, Errorf("InvalidParameterException",
			"Invalid parameter at 'filter.tagStatus': %q is not one of TAGGED, UNTAGGED, ANY", in.Filter.TagStatus)
	}
	if _, err := r.ecrRepositoryRecord(ctx, in.RepositoryName); err != nil {
		return nil, err
	}
	imgs, err := r.ecrRepositoryImages(ctx, in.RepositoryName)
	if err != nil {
		return nil, err
	}
	if len(in.ImageIDs) > 0 {
		if imgs, err = ecrPickImages(imgs, in.ImageIDs, in.RepositoryName); err != nil {
			return nil, err
		}
	}
	imgs = slices.DeleteFunc(imgs, func(img images.Image) bool {
		return in.Filter.TagStatus == "TAGGED" && len(img.Tags) == 0 || in.Filter.TagStatus == "UNTAGGED" && len(img.Tags) > 0
	})
	from, to, next, err := ecrPage(len(imgs), in.NextToken, in.MaxResults, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		ImageDetails []ecrImageDetail `json:"imageDetails"`
		NextToken    string           `json:"nextToken,omitempty"`
	}{ImageDetails: []ecrImageDetail{}, NextToken: next}
	for _, img := range imgs[from:to] {
		out.ImageDetails = append(out.ImageDetails, ecrImageDetail{RegistryID: Account, RepositoryName: img.Repository,
			ImageDigest: img.Digest, ImageTags: img.Tags, ImageSize: img.Size, ImagePushedAt: ecrEpochSeconds(img.PushedAt)})
	}
	return out, nil
}

// pickImages are the images ids name, each once, in the ids' order; an id
// naming none is ImageNotFoundException, as ECR answers.
func ecrPickImages(imgs []images.Image, ids []ecrImageID, repo string) ([]images.Image, error) {
	var out []images.Image
	for _, id := range ids {
		if id.ImageDigest == "" && id.ImageTag == "" {
			return nil, Errorf("InvalidParameterException", "Invalid parameter at 'imageIds': an image id needs an imageDigest or an imageTag")
		}
		img, ok := ecrFindImage(imgs, id)
		if !ok {
			return nil, Errorf("ImageNotFoundException",
				"The image with imageId %s does not exist within the repository with name '%s' in the registry with id '%s'", id, repo, Account)
		}
		if !slices.ContainsFunc(out, func(o images.Image) bool { return o.Key == img.Key }) {
			out = append(out, img)
		}
	}
	return out, nil
}

// ecrImageFailure is ECR's ImageFailure.
type ecrImageFailure struct {
	ImageID       ecrImageID `json:"imageId"`
	FailureCode   string     `json:"failureCode"`
	FailureReason string     `json:"failureReason"`
}

func ecrBatchDeleteImage(ctx context.Context, r *Request) (any, error) {
	var in struct {
		ecrScope
		ImageIDs []ecrImageID `json:"imageIds"`
	}
	if err := r.DecodeJSON(&in); err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if len(in.ImageIDs) == 0 || len(in.ImageIDs) > 100 {
		return nil, Errorf("InvalidParameterException",
			"Invalid parameter at 'imageIds' failed to satisfy constraint: 'Member must have length between 1 and 100', it has %d", len(in.ImageIDs))
	}
	if _, err := r.ecrRepositoryRecord(ctx, in.RepositoryName); err != nil {
		return nil, err
	}
	out := struct {
		ImageIDs []ecrImageID      `json:"imageIds"`
		Failures []ecrImageFailure `json:"failures"`
	}{ImageIDs: []ecrImageID{}, Failures: []ecrImageFailure{}}
	for _, id := range in.ImageIDs {
		deleted, fail, err := r.ecrDeleteImage(ctx, in.RepositoryName, id)
		if err != nil {
			return nil, err
		}
		out.ImageIDs = append(out.ImageIDs, deleted...)
		if fail != nil {
			out.Failures = append(out.Failures, *fail)
		}
	}
	return out, nil
}

// deleteImage deletes what one id names, as ECR does: a tag the image has
// others besides only leaves it; a digest, or an image's last tag, deletes
// the image (refused while cattle uses it). A request's own fault is a
// failure entry; err is the endpoint's.
func (r *Request) ecrDeleteImage(ctx context.Context, repo string, id ecrImageID) ([]ecrImageID, *ecrImageFailure, error) {
	fail := func(code, reason string) ([]ecrImageID, *ecrImageFailure, error) {
		return nil, &ecrImageFailure{ImageID: id, FailureCode: code, FailureReason: reason}, nil
	}
	switch {
	case id.ImageDigest == "" && id.ImageTag == "":
		return fail("MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null")
	case id.ImageDigest != "" && !ecrDigestPattern.MatchString(id.ImageDigest):
		return fail("InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'")
	}
	imgs, err := r.ecrRepositoryImages(ctx, repo)
	if err != nil {
		return nil, nil, err
	}
	img, ok := ecrFindImage(imgs, id)
	if !ok {
		if _, byDigest := ecrFindImage(imgs, ecrImageID{ImageDigest: id.ImageDigest}); id.ImageDigest != "" && id.ImageTag != "" && byDigest {
			return fail("ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag does not match digest")
		}
		return fail("ImageNotFound", "Requested image not found")
	}
	if id.ImageDigest == "" && len(img.Tags) > 1 {
		if err := r.Repositories.Untag(ctx, repo, id.ImageTag); err != nil {
			if errors.Is(err, errdefs.ErrNotFound) {
				return fail("ImageNotFound", "Requested image not found")
			}
			return nil, nil, err
		}
		return []ecrImageID{{ImageDigest: img.Digest, ImageTag: id.ImageTag}}, nil, nil
	}
	if _, err := r.Images.Remove(ctx, img.Ref()); err != nil {
		switch {
		case errors.Is(err, errdefs.ErrConflict):
			return fail("ImageInUse", err.Error())
		case errors.Is(err, errdefs.ErrNotFound):
			return fail("ImageNotFound", "Requested image not found")
		}
		return nil, nil, err
	}
	var deleted []ecrImageID
	for _, tag := range img.Tags {
		deleted = append(deleted, ecrImageID{ImageDigest: img.Digest, ImageTag: tag})
	}
	if len(deleted) == 0 {
		deleted = append(deleted, ecrImageID{ImageDigest: img.Digest})
	}
	return deleted, nil, nil
}
