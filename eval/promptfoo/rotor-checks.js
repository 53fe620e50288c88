// rotor's domain checks as promptfoo assertions. `output` is the runbook
// (the HTTP provider's transformResponse: json). Each returns promptfoo's
// grading result: {pass, score, reason}.
"use strict";

const runbookOf = (output) => (typeof output === "string" ? JSON.parse(output) : output);
const result = (problems, what) => ({
  pass: problems.length === 0,
  score: problems.length === 0 ? 1 : 0,
  reason: problems.length === 0 ? what : problems.slice(0, 5).join("; "),
});
const steps = (rb) => ((rb.sections.rotation_sequence || {}).tracks || []).flatMap((t) => t.steps || []);

// lintClean asks rotor's own linter (POST /runbooks/lint): no error finding.
async function lintClean(output) {
  const rb = runbookOf(output);
  const headers = {"Content-Type": "application/json"};
  if (process.env.ROTOR_API_KEY) headers.Authorization = "Bearer " + process.env.ROTOR_API_KEY;
  const resp = await fetch(process.env.ROTOR_URL + "/runbooks/lint", {method: "POST", headers, body: JSON.stringify(rb)});
  if (resp.status !== 200) return result(["POST /runbooks/lint answered " + resp.status], "");
  const {findings} = await resp.json();
  const errors = findings.filter((f) => f.severity === "error").map((f) => `${f.rule}: ${f.message}`);
  return result(errors, `no error finding (${findings.length} warning(s))`);
}

// coversEverySecret: every secret of the inventory has steps and checks.
function coversEverySecret(output) {
  const rb = runbookOf(output);
  const ids = ((rb.sections.inventory || {}).secrets || []).map((s) => s.id);
  const stepped = new Set(steps(rb).map((s) => s.secret_id));
  const checked = new Set(((rb.sections.validation || {}).environments || []).flatMap((e) => (e.checks || []).map((c) => c.secret_id)));
  const problems = ids.filter((id) => !stepped.has(id)).map((id) => `${id} has no step`)
    .concat(ids.filter((id) => !checked.has(id)).map((id) => `${id} has no validation check`));
  return result(problems, `${ids.length} secret(s) each with steps and checks`);
}

// revokesAfterProductionIsVerified: no secret's old credential is revoked in
// production before production was verified (a leak's kill-first plan
// revokes before verifying on purpose: then there is no verify before it).
function revokesAfterProductionIsVerified(output) {
  const rb = runbookOf(output);
  const problems = [];
  const bySecret = {};
  for (const s of steps(rb).filter((s) => s.environment === "production")) (bySecret[s.secret_id] ||= []).push(s);
  for (const [id, ss] of Object.entries(bySecret)) {
    const verify = ss.filter((s) => s.phase === "verify").map((s) => s.order);
    const revoke = ss.filter((s) => s.phase === "revoke").map((s) => s.order);
    if (verify.length && revoke.length && Math.min(...revoke) < Math.min(...verify) && !ss.some((s) => s.phase === "contain")) {
      problems.push(`${id}: production revoked at step ${Math.min(...revoke)} before it was verified at ${Math.min(...verify)}`);
    }
  }
  return result(problems, "production is verified before the old credential is revoked");
}

// lowerEnvironmentsFirst: a secret's deploy reaches production after its
// lower environments (the order the request listed). A contained leak is
// the exception (ROTATION_RULES §2 rule 6): service is restored with a new
// credential in production first, and no lower-environment step comes
// before the kill.
function lowerEnvironmentsFirst(output) {
  const rb = runbookOf(output);
  const problems = [];
  const bySecret = {};
  for (const s of steps(rb)) (bySecret[s.secret_id] ||= []).push(s);
  for (const [id, all] of Object.entries(bySecret)) {
    if (all.some((s) => s.phase === "contain")) continue;
    const ss = all.filter((s) => s.phase === "deploy");
    const prod = ss.filter((s) => s.environment === "production").map((s) => s.order);
    const lower = ss.filter((s) => s.environment !== "production").map((s) => s.order);
    if (prod.length && lower.length && Math.min(...prod) < Math.max(...lower)) {
      problems.push(`${id}: production deployed at step ${Math.min(...prod)} before a lower environment at ${Math.max(...lower)}`);
    }
  }
  return result(problems, "lower environments are deployed first");
}

// everyOldCredentialKilled: every secret has a step that kills the old
// credential (revoked, deleted, expired, disabled, destroyed).
function everyOldCredentialKilled(output) {
  const rb = runbookOf(output);
  const kill = /revok|delet|expir|disabl|destroy|remov|invalidat/i;
  const ids = ((rb.sections.inventory || {}).secrets || []).map((s) => s.id);
  const killed = new Set(steps(rb).filter((s) => s.phase === "revoke" || kill.test(s.action)).map((s) => s.secret_id));
  return result(ids.filter((id) => !killed.has(id)).map((id) => `${id}: no step kills the old credential`), "every old credential is killed");
}

module.exports = {lintClean, coversEverySecret, revokesAfterProductionIsVerified, lowerEnvironmentsFirst, everyOldCredentialKilled};
