#!/usr/bin/env bash
# Prints rotor's cost table: for Acme Payments and 20, 50 and 100 secrets,
# the model calls, input tokens, the input a provider's prompt cache could
# serve (schema first, 1,024 tokens at least, 128-token blocks), output
# tokens, dollars at two price sheets, the total against one call of the
# seed template with a 4k answer, wall time against the slowest call, and
# rotor's CPU per generation with the model against offline. Tokens are
# counted with o200k_base from the model double's own request log.
# ROTOR_RUNBOOK_TOKEN_BUDGET / ROTOR_RUNBOOK_MAX_CALLS pass through (0 = none).
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
go test ./cmd/rotor -run '^$' -bench '^BenchmarkCost$' -benchtime 1x -timeout 30m | sed -n '/^rotor cost table/,/^model double/p'
uptime
