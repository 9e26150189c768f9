package compute

import (
	"context"
	"fmt"
	"strings"

	"github.com/cattle-dev/cattle/store"
)

// ImageUsers names the template versions and live instances that use the
// registry's repo@digest: such an image is neither removed nor expired.
func (s *Service) ImageUsers(ctx context.Context, repo, digest string) ([]string, error) {
	var users []string
	err := s.db.View(func(tx *store.Tx) error {
		versions, err := store.List[TemplateVersion](tx, kindVersion)
		if err != nil {
			return err
		}
		for _, v := range versions {
			if v.ImageRepository == repo && v.ImageDigest == digest {
				users = append(users, fmt.Sprintf("template %s version %d", v.TemplateName, v.Version))
			}
		}
		insts, err := store.List[Instance](tx, kindInstance)
		if err != nil {
			return err
		}
		for _, inst := range insts {
			if inst.Live() && inst.ImageDigest == digest && strings.HasSuffix(strings.Split(inst.ImageRef, "@")[0], "/"+repo) {
				users = append(users, "instance "+inst.ID)
			}
		}
		return nil
	})
	return users, err
}
