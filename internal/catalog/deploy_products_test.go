package catalog

import "testing"

// TestDeploymentCommandsAreAnySecrets: a consumer's reload and check are
// the runtime's commands, whatever secret it consumes (an ECS service
// restarted for a Mailgun key, a Lambda for a RabbitMQ password), so every
// product a deployment's text uses is of the generic family. A cloud
// product there (AWS, before `aws ecs` moved to deployment tools) made the
// linter's own-product-commands rule refuse the offline writer's own
// runbook for every non-AWS secret whose consumer runs on ECS.
func TestDeploymentCommandsAreAnySecrets(t *testing.T) {
	c := Default()
	check := func(where, text string) {
		for _, u := range c.ProductsIn(text) {
			if u.Product.Family != "generic" {
				t.Errorf("%s uses %s (%q, family %s): a deployment's commands must be allowed for any secret", where, u.Product.Name, u.Match, u.Product.Family)
			}
		}
	}
	n := 0
	for _, d := range c.Deployments {
		texts := map[string]string{"reload": d.Reload, "check": d.Check, "reload_many": d.ReloadMany, "check_many": d.CheckMany}
		for k, w := range d.Workloads {
			texts["workload "+k+" reload"], texts["workload "+k+" check"] = w.Reload, w.Check
		}
		for _, p := range d.Platforms {
			texts["platform "+p.ID+" reload"], texts["platform "+p.ID+" check"] = p.Reload, p.Check
			texts["platform "+p.ID+" env_reload"], texts["platform "+p.ID+" env_check"] = p.EnvReload, p.EnvCheck
		}
		if p := d.NoPlatform; p != nil {
			texts["no_platform reload"], texts["no_platform check"] = p.Reload, p.Check
		}
		for k, s := range texts {
			if s != "" {
				n++
				check(string(d.ID)+" "+k, s)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d deployment texts checked", n)
	}
}
