package images

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/internal/errdefs"
)

var t0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// img is an available image pushed day days after t0.
func img(name string, day int, tags ...string) Image {
	return Image{Repository: "web", Key: "web@" + name, Digest: "sha256:" + name, Tags: tags,
		State: StateAvailable, PushedAt: t0.Add(time.Duration(day) * 24 * time.Hour)}
}

func policy(t *testing.T, text string) LifecyclePolicy {
	t.Helper()
	p, err := ParseLifecyclePolicy([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func expired(exps []Expiry) []string {
	var out []string
	for _, e := range exps {
		out = append(out, fmt.Sprintf("%s/%d", strings.TrimPrefix(e.Image.Digest, "sha256:"), e.Rule))
	}
	return out
}

func noneInUse(Image) bool { return false }

func TestLifecycleKeepThreeExpiresOlderButNotTheOneInUse(t *testing.T) {
	p := policy(t, `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":3},"action":{"type":"expire"}}]}`)
	imgs := []Image{img("a", 1, "v1"), img("b", 2, "v2"), img("c", 3, "v3"), img("d", 4, "v4"), img("e", 5, "v5"), img("f", 6)}
	got := expired(p.Select(imgs, noneInUse, t0))
	if want := []string{"a/1", "b/1", "c/1"}; !slices.Equal(got, want) {
		t.Fatalf("expired %v, want %v (oldest first)", got, want)
	}
	inUse := func(i Image) bool { return i.Digest == "sha256:b" }
	got = expired(p.Select(imgs, inUse, t0))
	if want := []string{"a/1", "c/1"}; !slices.Equal(got, want) {
		t.Fatalf("with b in use, expired %v, want %v", got, want)
	}
}

func TestLifecycleUntaggedAndAge(t *testing.T) {
	p := policy(t, `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}}]}`)
	imgs := []Image{img("old-untagged", 0), img("old-tagged", 0, "v1"), img("new-untagged", 20)}
	got := expired(p.Select(imgs, noneInUse, t0.Add(30*24*time.Hour)))
	if want := []string{"old-untagged/1"}; !slices.Equal(got, want) {
		t.Fatalf("expired %v, want %v", got, want)
	}
}

func TestLifecyclePrefixesAndOneRulePerImage(t *testing.T) {
	// Rule 1 keeps one prod image; rule 2 keeps two of anything else. The
	// prod images rule 1 took are not counted or expired by rule 2.
	p := policy(t, `{"rules":[
	  {"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["prod"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},
	  {"rulePriority":2,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}`)
	imgs := []Image{img("p1", 1, "prod-1"), img("p2", 2, "prod-2"), img("p3", 3, "prod-3"),
		img("d1", 4, "dev-1"), img("d2", 5, "dev-2"), img("d3", 6, "dev-3")}
	got := expired(p.Select(imgs, noneInUse, t0))
	if want := []string{"p1/1", "p2/1", "d1/2"}; !slices.Equal(got, want) {
		t.Fatalf("expired %v, want %v", got, want)
	}
	// Every prefix must match one of the image's tags.
	p = policy(t, `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"tagged","tagPrefixList":["prod","web"],"countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`)
	imgs = []Image{img("both-old", 1, "prod-1", "web-1"), img("prod-only", 2, "prod-2"), img("both-new", 3, "prod-3", "web-3")}
	if got := expired(p.Select(imgs, noneInUse, t0)); !slices.Equal(got, []string{"both-old/1"}) {
		t.Fatalf("expired %v, want [both-old/1]", got)
	}
}

func TestLifecyclePolicyValidation(t *testing.T) {
	sel := func(s string) string {
		return `{"rules":[{"rulePriority":1,"selection":` + s + `,"action":{"type":"expire"}}]}`
	}
	cases := map[string]string{
		`{"rules":[]}`: "1 to 50 rules",
		`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},` +
			`{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`: "used twice",
		`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}},` +
			`{"rulePriority":2,"selection":{"tagStatus":"untagged","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`: "highest rulePriority",
		sel(`{"tagStatus":"tagged","countType":"imageCountMoreThan","countNumber":1}`):                                                             "needs a tagPrefixList",
		sel(`{"tagStatus":"untagged","tagPrefixList":["v"],"countType":"imageCountMoreThan","countNumber":1}`):                                     "only for tagStatus tagged",
		sel(`{"tagStatus":"some","countType":"imageCountMoreThan","countNumber":1}`):                                                               "tagStatus \"some\"",
		sel(`{"tagStatus":"any","countType":"sinceImagePushed","countNumber":1}`):                                                                  "needs countUnit days",
		sel(`{"tagStatus":"any","countType":"imageCountMoreThan","countUnit":"days","countNumber":1}`):                                             "only for countType sinceImagePushed",
		sel(`{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":0}`):                                                                "positive integer",
		sel(`{"tagStatus":"any","countType":"newest","countNumber":1}`):                                                                            "countType \"newest\"",
		`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"keep"}}]}`: "use expire",
		`{"rules":[{"rulePriority":1,"selektion":{}}]}`:                                                                                            "ECR's form",
	}
	for text, want := range cases {
		_, err := ParseLifecyclePolicy([]byte(text))
		if !errors.Is(err, errdefs.ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an invalid error saying %q", text, err, want)
		}
	}
}

func TestPruneExpiresAndFreesBytes(t *testing.T) {
	tc := newTestCatalog(t)
	ctx := context.Background()
	var digests []string
	for _, tag := range []string{"v1", "v2", "v3"} {
		digests = append(digests, tc.push(t, "web", tag))
	}
	_, err := tc.SetLifecyclePolicy(ctx, "web", []byte(`{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"expire"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	// v1 is in use: kept.
	tc.SetInUse(func(ctx context.Context, repo, digest string) ([]string, error) {
		if digest == digests[0] {
			return []string{"instance i-1"}, nil
		}
		return nil, nil
	})
	dry, err := tc.Prune(ctx, true)
	if err != nil || len(dry.Expired) != 1 || dry.Expired[0].Image.Digest != digests[1] {
		t.Fatalf("dry run = %+v, %v; want v2 alone", dry, err)
	}
	if _, _, err := tc.reg.ManifestDigest(ctx, "web", "v2"); err != nil {
		t.Fatalf("a dry run removed v2: %v", err)
	}
	res, err := tc.Prune(ctx, false)
	if err != nil || len(res.Expired) != 1 || res.FreedBytes <= 0 {
		t.Fatalf("prune = %+v, %v; want v2 expired and bytes freed", res, err)
	}
	if _, _, err := tc.reg.ManifestDigest(ctx, "web", "v2"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Fatalf("v2 is still in the registry: %v", err)
	}
	for _, tag := range []string{"v1", "v3"} {
		if _, _, err := tc.reg.ManifestDigest(ctx, "web", tag); err != nil {
			t.Fatalf("%s went: %v", tag, err)
		}
	}
	if img, _ := tc.Get(ctx, "web@"+digests[1]); img.State != StateDeregistered {
		t.Fatalf("the expired image's record is %s, want deregistered", img.State)
	}
}
