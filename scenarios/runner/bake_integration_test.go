package runner

import (
	"context"
	"testing"

	"github.com/cattle-dev/cattle/images/bake"
	"github.com/cattle-dev/cattle/sandbox"
)

// The built-ins that bake, the tour first: each passes, and leaves no
// container of its bakes and no image its sandbox made.
// assertNoBakeLeft fails when a scenario's bakes left containers or
// images of its sandbox behind (the tour and the bake built-ins bake).
func assertNoBakeLeft(t *testing.T, rt sandbox.Runtime, sandboxName string) {
	t.Helper()
	ctx := context.Background()
	if cs, _ := rt.List(ctx, map[string]string{bake.LabelBake: sandboxName}); len(cs) > 0 {
		t.Errorf("%d bake containers left", len(cs))
	}
	if imgs, _ := rt.ListImages(ctx, map[string]string{sandbox.LabelImageSandbox: sandboxName}); len(imgs) > 0 {
		t.Errorf("%d images of sandbox %s left (%v)", len(imgs), sandboxName, imgs[0].Tags)
	}
}
