#!/usr/bin/env bash
# Prints rotor's benchmark table: every row of the README's table, each a
# ratio measured in one run against the same server (its GET /healthz, or the
# model double's slowest call), ROTOR_BENCH_RUNS times (default 3), as
# min / median / max. The model double answers with latency proportional to
# the answer's size; Redis is a private redis-server on loopback (installed
# like .ci/run does if missing). Client and server share the machine's CPUs:
# run it when the load (uptime) is lowest, and read the load it prints.
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
go test ./cmd/rotor -run '^$' -bench '^BenchmarkTable$' -benchtime 1x -timeout 30m | sed -n '/^rotor benchmark table/,/^$/p;/^|/p'
uptime
