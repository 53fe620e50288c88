package planner

import (
	"slices"

	"github.com/rotor-dev/rotor/internal/catalog"
)

// managedBy is the change path that owns a consumer's rollout, when the
// request names one that binds it (Facts.ChangePaths: "Kubernetes manifests
// are synced by Argo CD", "Hosts are configured only by Ansible") and the
// consumer's runtime is rolled out through that tool (deployments.yaml has
// a workload for it: gitops on Kubernetes, ansible on hosts). Such a
// consumer is reloaded through that path: a restart by hand is drift the
// next sync or play reverts. "" when no such path binds it.
func managedBy(f *Facts, cat *catalog.Catalog, s *Secret, c *Consumer) string {
	d := cat.Deployment(c.Runtime)
	if d == nil {
		return ""
	}
	for _, p := range f.ChangePaths {
		if len(p.SecretIDs) > 0 && !slices.Contains(p.SecretIDs, s.ID) {
			continue
		}
		if len(p.Consumers) > 0 && !slices.Contains(p.Consumers, c.Name) {
			continue
		}
		if _, ok := d.Workloads[p.Tool]; ok {
			return p.Tool
		}
	}
	return ""
}
