package writer

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rotor-dev/rotor/internal/intake"
	"github.com/rotor-dev/rotor/internal/planner"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// Binding rules (ROTATION_RULES.md §2 invariant 20): a change path moves
// the steps onto its tool, dual control puts a second engineer on every
// production step, a duty is a dated item in the checklist, the comms and
// the evidence, a freeze keeps pipelines out of the steps and checks.

// changePath is the tool that binds a secret's changes, or "".
func changePath(f *planner.Facts, id string) string {
	s := f.SecretByID(id)
	for _, cp := range f.ChangePaths {
		if (len(cp.SecretIDs) == 0 || runbook.OneOf(cp.SecretIDs, id)) && (s == nil || cp.BindsWholeSecret(s)) {
			return cp.Tool
		}
	}
	return ""
}

// secondEngineer is who watches a production step under dual control.
const secondEngineer = "<second engineer>"

// bindStep rewrites a secret's step for the change path that binds it: its
// tool in place of console and CLI commands (watch adds the second engineer).
func bindStep(f *planner.Facts, s *planner.Secret, step *runbook.Step) {
	env := step.Environment
	switch tool := changePath(f, s.ID); {
	case tool == intake.ToolTerraform && (step.Phase == runbook.PhaseCreate || step.Phase == runbook.PhaseStore):
		what := "issue the new credential (" + s.Entry.Title + ")"
		if step.Phase == runbook.PhaseStore {
			what = "write the new value to " + s.StorePaths[env]
		}
		step.Action = fmt.Sprintf("Through Terraform, not a console or CLI (the next apply would revert a hand change): change the resource that manages %s in %s to %s; run `terraform plan -out=rotation.tfplan`, have a second engineer review that the plan changes only this secret's resources, then `terraform apply rotation.tfplan`.",
			s.Name, env, what)
		step.Verify = "`terraform plan` afterwards shows no changes; " + step.Verify
	case tool == intake.ToolAnsible && (step.Phase == runbook.PhaseStore || step.Phase == runbook.PhaseDeploy):
		step.Action = fmt.Sprintf("With Ansible, never by hand on a host: run the play that delivers %s (%s) to the %s hosts, in batches: `ansible-playbook <playbook>.yml --limit %s --check --diff` first, then without `--check`, with `serial: \"10%%\"` in the play so a failing batch stops the rollout.",
			s.Name, code(s.EnvVar), env, env)
		step.Verify = "the play's recap shows no failed or unreachable host; " + step.Verify
	case tool == intake.ToolGitOps && (step.Phase == runbook.PhaseDeploy || step.Phase == runbook.PhaseStore && planner.InRepoStore(s.Store)):
		// An external store (Vault, a cloud secret manager) still takes the
		// new value in the store step: the GitOps commit carries only the
		// reference or version the cluster reads it by.
		step.Action = fmt.Sprintf("Through the GitOps repository, never `kubectl edit` or `kubectl apply` (Argo CD would revert it): commit the change for %s in %s (the external or sealed secret's reference, or the rollout annotation) in a reviewed pull request, merge it, and let Argo CD sync it (`argocd app sync <app>`).",
			s.Name, env)
		step.Verify = "`argocd app get <app>` shows Synced and Healthy at the new commit; " + step.Verify
	}
	// A store step the tool rewrote still says who never gets the value.
	if step.Phase == runbook.PhaseStore {
		if never := cutOffText(s); never != "" && !strings.Contains(step.Action, never) {
			step.Action += never
		}
	}
}

// watch puts the second engineer on a step under dual control when it
// changes production: a production step, or a step of every environment
// (access removal, a clean-up) in a request with production. Containment
// and clean-up are production changes too (review17-cold3 r2 row 18: "A
// second engineer must watch every production change" left steps 1-3 and
// the clean-up unwatched); an investigation reads and changes nothing.
func watch(f *planner.Facts, s *planner.Secret, step *runbook.Step) {
	if !f.DualControl || step.Phase == runbook.PhaseInvestigate {
		return
	}
	switch env := step.Environment; {
	case runbook.IsProduction(env):
	case env == "" || env == "all":
		envs := f.Environments
		if s != nil {
			envs = s.Environments
		}
		if !slices.ContainsFunc(envs, runbook.IsProduction) {
			return
		}
	default:
		return
	}
	step.Owner += " with " + secondEngineer + " watching (dual control)"
	step.Action += " Dual control: " + secondEngineer + " watches this step and confirms it in the change record."
}

// bindingChecklist lists what the binding rules ask before the first step.
func bindingChecklist(f *planner.Facts) []string {
	var out []string
	if ws := f.Schedule.WorkStarts; ws != nil && ws.Why != "" && ws.Why != "as of the request" {
		line := fmt.Sprintf("Production work starts %s, not before: %s.", ws.Label, ws.Why)
		if ex := exposedNames(f); ex != "" {
			line += " Exception: the exposed " + ex + " do not wait."
		}
		out = append(out, line)
	}
	for _, cp := range f.ChangePaths {
		whose := "every secret"
		if len(cp.SecretIDs) > 0 {
			whose = andList(cp.SecretIDs)
		}
		switch cp.Tool {
		case intake.ToolTerraform:
			out = append(out, fmt.Sprintf("Change path (%s): %s changes through Terraform only. Find the resources that manage it now, and check `terraform plan` is clean before the first step (drift would be applied with the rotation).", cp.Source, whose))
		case intake.ToolAnsible:
			out = append(out, fmt.Sprintf("Change path (%s): %s reaches the hosts through Ansible only. Find the play and inventory group that deliver it, and run it with `--check --diff` now.", cp.Source, whose))
		case intake.ToolGitOps:
			out = append(out, fmt.Sprintf("Change path (%s): %s changes through the GitOps repository that Argo CD syncs. Find the application and the manifests that carry it, and check the application is Synced before the first step.", cp.Source, whose))
		}
	}
	if f.NoConsole && len(f.ChangePaths) == 0 {
		out = append(out, "No console or hand changes: agree the change path for every create and store step before the first step (see the open items).")
	}
	if f.DualControl {
		out = append(out, "Dual control: name the second engineer ("+secondEngineer+") who watches every production step, and record both names with each step.")
	}
	for _, d := range f.Duties {
		out = append(out, fmt.Sprintf("Duty %s (%s): %s. Tell %s.", d.ID, d.Source, d.Text, d.Label))
	}
	for _, fr := range f.Freezes {
		until := ""
		if fr.Until != "" {
			until = " until " + fr.Until
		}
		switch {
		case runbook.OneOf(fr.Forbids, intake.ActivityRelease) || runbook.OneOf(fr.Forbids, intake.ActivityPublish):
			out = append(out, fmt.Sprintf("Release freeze %s (%s)%s: no step and no check runs a publish, release or deploy pipeline; prove new values with dry runs and read-only calls.", fr.ID, fr.Source, until))
		default:
			out = append(out, fmt.Sprintf("Freeze %s (%s)%s: record the rotation's deploys as an exception on the change ticket; no check re-runs a deploy pipeline.", fr.ID, fr.Source, until))
		}
	}
	return out
}

func exposedNames(f *planner.Facts) string {
	var names []string
	for _, s := range f.LeakedIn(nil) {
		names = append(names, s.Name)
	}
	return andList(names)
}

// dutyMessages are the comms a duty asks for, due by its date.
func dutyMessages(f *planner.Facts, party string) []runbook.Message {
	var out []runbook.Message
	for _, d := range f.Duties {
		if d.Party != party {
			continue
		}
		when := dutyWhen(d)
		switch d.Party {
		case intake.PartyCustomer:
			out = append(out, runbook.Message{Audience: runbook.AudienceCustomer, Channel: "account-owner email",
				Subject: fmt.Sprintf("%s: notice about your data", f.System),
				Body: fmt.Sprintf("We are writing because %s requires it (%q). What happened, what data could have been read, what we have done (the credentials are replaced and the old ones revoked) and what you should do. Contact: %s.",
					f.System, d.Text, andList(f.Approvers)),
				SendWhen: when + ", once legal and the security lead approve the wording"})
		case intake.PartyRegulator:
			out = append(out, runbook.Message{Audience: runbook.AudienceLeadership, Channel: "email to legal and the data protection officer",
				Subject:  fmt.Sprintf("%s: regulator notification due", f.System),
				Body:     fmt.Sprintf("The request says %q. Prepare and send the notification to the regulator %s; record when it was sent.", d.Text, when),
				SendWhen: when})
		case intake.PartyTeam:
			if d.Informed {
				// Kept informed: before the start, and at completion
				// with the proof that the old credentials are dead.
				out = append(out, runbook.Message{Audience: runbook.AudienceEngineering, Channel: "message to " + d.Who,
					Subject: fmt.Sprintf("%s: credential rotation, for your information", f.System),
					Body: fmt.Sprintf("For your information (the request says %q): rotation of %s (%s) starts at `<start time, UTC>`. At completion we send you the output of every revoke check (each old credential rejected) and where the audit evidence is kept.",
						d.Text, secretNames(f), f.Trigger),
					SendWhen: "before the start, and at completion with the revoke checks' output"})
				continue
			}
			body := fmt.Sprintf("The request says %q. Rotation of %s (%s): tell %s what changes, when, and whom to call.", d.Text, secretNames(f), f.Trigger, d.Who)
			if d.Lead != "" {
				body += fmt.Sprintf(" No production step starts until %s after this notice", d.LeadText())
				if t, err := time.Parse(time.RFC3339, d.NotBefore); err == nil && d.NotBefore != "" {
					body += " (not before " + runbook.FormatMoment(t, "UTC") + ")"
				}
				body += "."
			}
			out = append(out, runbook.Message{Audience: runbook.AudienceEngineering, Channel: "message to " + d.Who,
				Subject: fmt.Sprintf("%s: credential rotation notice", f.System), Body: body, SendWhen: when})
		case intake.PartyFinance:
			out = append(out, runbook.Message{Audience: runbook.AudienceLeadership, Channel: "email to Finance",
				Subject:  fmt.Sprintf("%s: spend to report", f.System),
				Body:     fmt.Sprintf("The request says %q. Report the rotation's spend spikes (new keys, retries, provider charges) to Finance %s.", d.Text, when),
				SendWhen: when})
		}
	}
	return out
}

// dutyWhen is when a duty is due: a date, or its clock when no date could
// be computed.
func dutyWhen(d planner.Duty) string {
	if d.Cadence != "" {
		// "every 30 min", "daily at 10:00 Asia/Kolkata (first ...)".
		return d.Cadence
	}
	if t, err := time.Parse(time.RFC3339, d.Due); err == nil && d.Due != "" {
		return "by " + runbook.FormatMoment(t, "UTC")
	}
	if d.Lead != "" {
		return "at least " + d.LeadText() + " before the first production step"
	}
	if d.Within != "" {
		return "within " + d.Within + " of it applying"
	}
	if d.Informed {
		return "before the start and at completion"
	}
	return "as soon as it applies"
}

// bindingEvidence is what the binding rules leave in the audit evidence.
func bindingEvidence(f *planner.Facts) []runbook.EvidenceItem {
	var out []runbook.EvidenceItem
	owners := andList(ownersOf(f))
	if f.DualControl {
		out = append(out, runbook.EvidenceItem{Evidence: "Dual control record: for every production step, the engineer who ran it and " + secondEngineer + " who watched, with UTC times",
			Control: "dual control", CollectedBy: owners, When: "at each production step"})
	}
	for _, d := range f.Duties {
		out = append(out, runbook.EvidenceItem{Evidence: fmt.Sprintf("Record of telling %s (%q): what was sent, to whom and when", d.Label, d.Text),
			Control: "duty " + d.ID, CollectedBy: andList(f.Approvers), When: dutyWhen(d)})
	}
	for _, cp := range f.ChangePaths {
		out = append(out, runbook.EvidenceItem{Evidence: "The reviewed `terraform plan`, Ansible recap or GitOps commit of every create and store step (" + cp.Tool + ")",
			Control: "change path", CollectedBy: owners, When: "at each create and store step"})
	}
	return out
}
