package awsapi_test

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	"github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/smithy-go"

	"github.com/cattle-dev/cattle/emulator/api"
	"github.com/cattle-dev/cattle/emulator/awsapi"
	"github.com/cattle-dev/cattle/emulator/compute"
	"github.com/cattle-dev/cattle/emulator/emulatortest"
	"github.com/cattle-dev/cattle/images"
)

func ecrClient(t *testing.T, s *emulatortest.Sandbox) *ecr.Client {
	t.Helper()
	creds, err := awsapi.ReadCredentials(s.Daemon.Paths().AWSCredentials)
	if err != nil {
		t.Fatal(err)
	}
	return ecr.NewFromConfig(aws.Config{Region: awsapi.Region, BaseEndpoint: aws.String("http://" + s.Daemon.AWSAddr()),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey}, nil
		})})
}

// ecrWantError checks that err is the ECR error code.
func ecrWantError(t *testing.T, what string, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != code {
		t.Errorf("%s: got %v, want %s", what, err, code)
	}
}

// ecrPushDemoAs pushes the sandbox's demo image into repository repo under
// tags, through the engine, as `docker push` does.
func ecrPushDemoAs(t *testing.T, s *emulatortest.Sandbox, repo string, tags ...string) {
	t.Helper()
	ctx := context.Background()
	demo, err := s.Client.Image(ctx, images.DemoImageName)
	if err != nil {
		t.Fatal(err)
	}
	src := s.Daemon.RegistryAddr() + "/" + demo.Ref()
	for _, tag := range tags {
		ref := s.Daemon.RegistryAddr() + "/" + repo + ":" + tag
		if err := s.Runtime.ImageTag(ctx, src, ref); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Runtime.RemoveImage(context.Background(), ref) })
		if err := s.Runtime.ImagePush(ctx, ref); err != nil {
			t.Fatalf("pushing %s: %v", ref, err)
		}
	}
}

// TestIntegrationECR drives the registry through ECR's API alone:
// repositories, an image pushed into one, its lifecycle policy, deletes.
func TestIntegrationECR(t *testing.T) {
	t.Parallel()
	s := emulatortest.Start(t)
	c := ecrClient(t, s)
	ctx := context.Background()

	created, err := c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/web"),
		ImageTagMutability: types.ImageTagMutabilityImmutable})
	if err != nil {
		t.Fatal(err)
	}
	if uri := aws.ToString(created.Repository.RepositoryUri); uri != s.Daemon.RegistryAddr()+"/team/web" {
		t.Errorf("repositoryUri %s, want the sandbox registry's %s/team/web", uri, s.Daemon.RegistryAddr())
	}
	if r, err := s.Client.Repository(ctx, "team/web"); err != nil || !r.Immutable {
		t.Errorf("cattle's own view of team/web: %+v, %v; want an immutable repository", r, err)
	}
	_, err = c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("team/web")})
	ecrWantError(t, "creating team/web again", err, "RepositoryAlreadyExistsException")
	_, err = c.CreateRepository(ctx, &ecr.CreateRepositoryInput{RepositoryName: aws.String("Bad Name")})
	ecrWantError(t, "a bad name", err, "InvalidParameterException")
	ecrCheckRepositoryPages(t, c)

	ecrPushDemoAs(t, s, "team/web", "v1", "v2")
	digest := ecrCheckImages(t, c, "team/web", []string{"v1", "v2"})
	_, err = c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/web")})
	ecrWantError(t, "deleting a repository holding an image", err, "RepositoryNotEmptyException")

	ecrCheckLifecycle(t, s, c)
	ecrCheckBatchDelete(t, s, c, digest)

	if _, err := c.DeleteRepository(ctx, &ecr.DeleteRepositoryInput{RepositoryName: aws.String("team/web")}); err != nil {
		t.Fatalf("deleting the emptied repository: %v", err)
	}
	_, err = c.DescribeRepositories(ctx, &ecr.DescribeRepositoriesInput{RepositoryNames: []string{"team/web"}})
	ecrWantError(t, "describing a deleted repository", err, "RepositoryNotFoundException")
	ecrCheckAuthorizationToken(t, s, c)
}

// ecrCheckRepositoryPages lists the repositories one per page: the built-in
// demo's and team/web.
func ecrCheckRepositoryPages(t *testing.T, c *ecr.Client) {
	t.Helper()
	var names []string
	p := ecr.NewDescribeRepositoriesPaginator(c, &ecr.DescribeRepositoriesInput{MaxResults: aws.Int32(1)})
	for pages := 0; p.HasMorePages(); pages++ {
		out, err := p.NextPage(context.Background())
		if err != nil || len(out.Repositories) != 1 || pages > 5 {
			t.Fatalf("page %d: %+v, %v", pages, out, err)
		}
		names = append(names, aws.ToString(out.Repositories[0].RepositoryName))
	}
	if !slices.Equal(names, []string{images.DemoImageName, "team/web"}) {
		t.Errorf("repositories page by page: %v, want [%s team/web]", names, images.DemoImageName)
	}
}

// ecrCheckImages asks DescribeImages for repo's one image, expecting tags,
// and returns its digest.
func ecrCheckImages(t *testing.T, c *ecr.Client, repo string, tags []string) string {
	t.Helper()
	out, err := c.DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String(repo)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ImageDetails) != 1 {
		t.Fatalf("DescribeImages %s: %d images, want 1", repo, len(out.ImageDetails))
	}
	d := out.ImageDetails[0]
	if !slices.Equal(d.ImageTags, tags) || !strings.HasPrefix(aws.ToString(d.ImageDigest), "sha256:") ||
		aws.ToInt64(d.ImageSizeInBytes) <= 0 || d.ImagePushedAt == nil || d.ImagePushedAt.IsZero() {
		t.Errorf("image detail: tags %v digest %s size %d pushed %v; want tags %v, a digest, a size, a push time",
			d.ImageTags, aws.ToString(d.ImageDigest), aws.ToInt64(d.ImageSizeInBytes), d.ImagePushedAt, tags)
	}
	_, err = c.DescribeImages(context.Background(), &ecr.DescribeImagesInput{RepositoryName: aws.String(repo),
		ImageIds: []types.ImageIdentifier{{ImageTag: aws.String("nope")}}})
	ecrWantError(t, "describing a tag that does not exist", err, "ImageNotFoundException")
	return aws.ToString(d.ImageDigest)
}

// ecrCheckLifecycle puts a policy through ECR and reads it back through ECR
// and through cattle's own API.
func ecrCheckLifecycle(t *testing.T, s *emulatortest.Sandbox, c *ecr.Client) {
	t.Helper()
	ctx := context.Background()
	_, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("team/web")})
	ecrWantError(t, "a policy never set", err, "LifecyclePolicyNotFoundException")
	text := `{"rules":[{"rulePriority":1,"description":"keep 5","selection":{"tagStatus":"any",` +
		`"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}`
	if _, err := c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("team/web"),
		LifecyclePolicyText: aws.String(text)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutLifecyclePolicy(ctx, &ecr.PutLifecyclePolicyInput{RepositoryName: aws.String("team/web"),
		LifecyclePolicyText: aws.String(`{"rules":[]}`)})
	ecrWantError(t, "a policy without rules", err, "InvalidParameterException")
	got, err := c.GetLifecyclePolicy(ctx, &ecr.GetLifecyclePolicyInput{RepositoryName: aws.String("team/web")})
	if err != nil {
		t.Fatal(err)
	}
	back, err := images.ParseLifecyclePolicy([]byte(aws.ToString(got.LifecyclePolicyText)))
	if err != nil || len(back.Rules) != 1 || back.Rules[0].Selection.CountNumber != 5 || back.Rules[0].Description != "keep 5" {
		t.Errorf("GetLifecyclePolicy: %s (%v); want the rule put", aws.ToString(got.LifecyclePolicyText), err)
	}
	if sp, err := s.Client.LifecyclePolicy(ctx, "team/web"); err != nil || len(sp.Policy.Rules) != 1 {
		t.Errorf("cattle's own view of the policy: %+v, %v", sp, err)
	}
}

// ecrCheckBatchDelete deletes by tag (the image keeps its other one), then
// the image in use by a template (refused), then by digest once unused.
func ecrCheckBatchDelete(t *testing.T, s *emulatortest.Sandbox, c *ecr.Client, digest string) {
	t.Helper()
	ctx := context.Background()
	del := func(ids ...types.ImageIdentifier) *ecr.BatchDeleteImageOutput {
		out, err := c.BatchDeleteImage(ctx, &ecr.BatchDeleteImageInput{RepositoryName: aws.String("team/web"), ImageIds: ids})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := del(types.ImageIdentifier{ImageTag: aws.String("v2")}, types.ImageIdentifier{ImageTag: aws.String("gone")})
	if len(out.ImageIds) != 1 || aws.ToString(out.ImageIds[0].ImageTag) != "v2" || len(out.Failures) != 1 ||
		out.Failures[0].FailureCode != types.ImageFailureCodeImageNotFound {
		t.Errorf("deleting v2 and a missing tag: %+v", out)
	}
	ecrCheckImages(t, c, "team/web", []string{"v1"})
	if _, err := s.Client.CreateTemplate(ctx, api.CreateTemplateRequest{Name: "ecr-web",
		TemplateData: compute.TemplateData{Image: "team/web:v1", Port: 8080}}); err != nil {
		t.Fatal(err)
	}
	out = del(types.ImageIdentifier{ImageDigest: aws.String(digest)})
	if len(out.ImageIds) != 0 || len(out.Failures) != 1 || out.Failures[0].FailureCode != "ImageInUse" ||
		!strings.Contains(aws.ToString(out.Failures[0].FailureReason), "ecr-web") {
		t.Errorf("deleting an image a template uses: %+v, want an ImageInUse failure naming the template", out)
	}
	if err := s.Client.DeleteTemplate(ctx, "ecr-web"); err != nil {
		t.Fatal(err)
	}
	out = del(types.ImageIdentifier{ImageDigest: aws.String(digest)})
	if len(out.Failures) != 0 || len(out.ImageIds) != 1 || aws.ToString(out.ImageIds[0].ImageTag) != "v1" {
		t.Errorf("deleting the unused image by digest: %+v", out)
	}
	if imgs, err := c.DescribeImages(ctx, &ecr.DescribeImagesInput{RepositoryName: aws.String("team/web")}); err != nil || len(imgs.ImageDetails) != 0 {
		t.Errorf("images after the delete: %+v, %v; want none", imgs, err)
	}
}

func ecrCheckAuthorizationToken(t *testing.T, s *emulatortest.Sandbox, c *ecr.Client) {
	t.Helper()
	out, err := c.GetAuthorizationToken(context.Background(), &ecr.GetAuthorizationTokenInput{})
	if err != nil || len(out.AuthorizationData) != 1 {
		t.Fatalf("GetAuthorizationToken: %+v, %v", out, err)
	}
	a := out.AuthorizationData[0]
	tok, err := base64.StdEncoding.DecodeString(aws.ToString(a.AuthorizationToken))
	if user, pass, ok := strings.Cut(string(tok), ":"); err != nil || !ok || user != "AWS" || pass == "" ||
		aws.ToString(a.ProxyEndpoint) != "http://"+s.Daemon.RegistryAddr() {
		t.Errorf("authorization data %q for %s, want AWS:PASSWORD for http://%s", tok, aws.ToString(a.ProxyEndpoint), s.Daemon.RegistryAddr())
	}
}
