package runner

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/internal/testutil"
	"github.com/cattle-dev/cattle/sandbox"
	"github.com/cattle-dev/cattle/sandbox/docker"
	"github.com/cattle-dev/cattle/scenarios"
)

// The built-ins that bake, the tour first: each passes, and leaves no
// container of its bakes and no image its sandbox made.
func TestIntegrationBakeScenariosAndTour(t *testing.T) {
	testutil.SkipIfShort(t)
	for _, name := range []string{"tour", "bake-and-roll", "bad-bake", "immutable-tags", "lifecycle"} {
		t.Run(name, func(t *testing.T) {
			sc, err := scenarios.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			rt, err := docker.New()
			if err != nil {
				t.Fatal(err)
			}
			defer rt.Close()
			var out bytes.Buffer
			res, err := Run(context.Background(), sc, Options{Runtime: rt, Binary: testutil.CattleBinary(t), Out: &out})
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			assertNothingLeft(t, rt, res.Sandbox)
			ctx := context.Background()
			if cs, _ := rt.List(ctx, map[string]string{bake.LabelBake: res.Sandbox}); len(cs) > 0 {
				t.Errorf("%d bake containers left", len(cs))
			}
			if imgs, _ := rt.ListImages(ctx, map[string]string{sandbox.LabelImageSandbox: res.Sandbox}); len(imgs) > 0 {
				t.Errorf("%d images of sandbox %s left (%v)", len(imgs), res.Sandbox, imgs[0].Tags)
			}
			if !res.Passed {
				t.Fatalf("%s failed:\n%s", name, out.String())
			}
			t.Logf("%s passed in %s", name, time.Duration(res.Duration).Round(time.Second))
		})
	}
}
