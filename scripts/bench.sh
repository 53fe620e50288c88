#!/usr/bin/env bash
# Prints rotor's benchmark table (fan-out, streaming, cached path, replicas,
# screening, memory) measured in one run, with the fake LLM at a fixed latency
# and Redis on loopback (REDIS_URL, default redis://127.0.0.1:6379).
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./cmd/rotor -run '^$' -bench '^BenchmarkTable$' -benchtime 1x -timeout 10m | sed -n '/^rotor benchmark table/,/^$/p;/^|/p'
