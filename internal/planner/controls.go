package planner

import (
	"strings"

	"github.com/rotor-dev/rotor/internal/catalog"
	"github.com/rotor-dev/rotor/internal/runbook"
)

// controlsFor lists the audit controls evidence maps to (ROTATION_RULES.md §4):
// those of the frameworks the request names, or SOC 2 when it names none.
func controlsFor(f *Facts, named map[string]bool) []Control {
	if len(named) == 0 {
		named = map[string]bool{"SOC 2": true}
		f.Assumptions = append(f.Assumptions, "no compliance framework named: audit evidence is mapped to SOC 2 controls; remap it if you report against another framework")
	}
	leak := f.Compromised() || f.Trigger.IsLeak()
	offboarding := f.Trigger == runbook.TriggerOffboarding
	// What the secrets are decides which controls apply: keys are key
	// management; a person's own password is a user password, everything
	// else that logs in is a system or application account.
	hasKeys, userPasswords, accounts, passwords := false, false, false, false
	// Keys a provider generates and hands over (a GitHub App's private
	// key) are not generated under our split knowledge: 3.6.1.2 asks it of
	// the keys we generate.
	ourKeys := false
	for _, s := range f.Secrets {
		switch {
		case s.Kind.IsKey() || s.OperatorKey():
			hasKeys = true
			ourKeys = ourKeys || s.GeneratedByUs()
		case s.Personal:
			userPasswords = true
		default:
			accounts = true
		}
		if s.Kind == runbook.KindDatabasePassword || s.Personal {
			passwords = true
		}
	}
	var out []Control
	add := func(fw, id, title, evidence string) {
		out = append(out, Control{Framework: fw, ID: id, Title: title, Evidence: evidence})
	}
	for _, fw := range sortedKeys(named) {
		switch fw {
		case "SOC 2":
			add(fw, "CC6.1", "Logical access: credentials are managed and removed access is proven",
				"inventory of rotated credentials, proof the old credential is deactivated or deleted")
			add(fw, "CC8.1", "Change management: changes are approved, tested and recorded",
				"approved change ticket, rotation log with timestamps and results")
			// An offboarding is no incident: CC6.1 proves the removed
			// access (review20 tabletop: "Incident ticket" on an
			// offboarding card).
			if leak {
				add(fw, "CC7.3", "Security events are evaluated to decide whether they are incidents",
					"incident ticket with the triage decision and its timestamps")
				add(fw, "CC7.4", "Incidents are contained, remediated and reviewed",
					"containment and revocation records, exposure-window log review, post-incident review")
			}
		case "PCI DSS":
			if f.ChangeTicket {
				add(fw, "6.5.1", "Production changes follow the change procedure, with documented approval by authorized parties",
					"the approved change ticket")
			}
			add(fw, "3.6/3.7", "Key-management procedures cover generation, distribution, storage, change and retirement of keys",
				"key inventory, rotation log, destruction or deactivation record for the old key")
			if ourKeys {
				add(fw, "3.6.1.2", "Secret and private keys: generated and handled under split knowledge and dual control, never by one person in cleartext",
					"key generation record: inside the HSM or KMS, or by two custodians each holding one component; both custodians' names")
			}
			if leak || offboarding {
				add(fw, "3.7.5", "Keys retired or replaced when compromised or when a custodian leaves",
					"compromise or custodian-departure record and the retirement of the old key")
			} else {
				add(fw, "3.7.4", "Keys changed at the end of their cryptoperiod",
					"the cryptoperiod that required this rotation and the date it was done")
			}
			if accounts {
				add(fw, "8.6.2", "Application and system account passwords are not hard-coded",
					"evidence consumers read the new value from the secret store, not from code or config in git")
				add(fw, "8.6.3", "Application and system account passwords are changed periodically (per the 12.3.1 targeted risk analysis) and on suspected compromise",
					"targeted risk analysis reference and the rotation record")
			}
			if userPasswords {
				add(fw, "8.3.9", "User passwords are changed at least every 90 days or on suspected compromise (or access is analysed dynamically)",
					"the date each user password was changed, and why")
			}
		case "ISO 27001":
			add(fw, "A.5.17", "Authentication information is allocated and managed by a defined process",
				"the approved runbook and the rotation record")
			if hasKeys {
				add(fw, "A.8.24", "Cryptographic key life cycle: generate, store, rotate, revoke, destroy",
					"key generation, rotation and revocation records")
			}
		case "HIPAA":
			add(fw, "164.312(b)", "Audit controls: activity in systems with protected health information is recorded and examined",
				"the audit log of every change to the credentials and of their use during the rotation, kept")
			if passwords {
				add(fw, "164.308(a)(5)(ii)(D)", "Password management procedures",
					"rotation record for passwords that reach protected health information")
			}
		}
	}
	return out
}

// OperatorKey reports whether a secret is a key the operators generate
// themselves (an HMAC or signing secret made with a random generator), not
// one a vendor issues: key material under key management.
func (s *Secret) OperatorKey() bool {
	switch s.Kind {
	case runbook.KindWebhookSecret, runbook.KindSigningKey, runbook.KindEncryptionKey:
		return strings.Contains(s.Entry.Actions.Create, "openssl rand")
	}
	return false
}

// GeneratedByUs reports whether a key (or an operator-generated secret) is
// generated by the operators or inside a key service the organisation
// runs, rather than by a provider that hands it over (GitHub generates a
// GitHub App's private key): only the former can be generated under split
// knowledge and dual control (PCI DSS 3.6.1.2).
func (s *Secret) GeneratedByUs() bool {
	if !s.Kind.IsKey() && !s.OperatorKey() {
		return false
	}
	if s.Entry == nil || s.Kind == runbook.KindEncryptionKey || s.Entry.Generated || s.OperatorKey() || s.Entry.ID == catalog.GenericID {
		return true
	}
	for _, tool := range []string{"openssl", "ssh-keygen", "keytool", "gpg "} {
		if strings.Contains(s.Entry.Actions.Create, tool) {
			return true
		}
	}
	return false
}

// PCI reports whether the request names PCI DSS.
func (f *Facts) PCI() bool {
	for _, c := range f.Controls {
		if c.Framework == "PCI DSS" {
			return true
		}
	}
	return false
}

func appendAudience(list []runbook.Audience, a runbook.Audience) []runbook.Audience {
	if runbook.OneOf(list, a) {
		return list
	}
	return append(list, a)
}
