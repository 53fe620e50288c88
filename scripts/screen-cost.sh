#!/usr/bin/env bash
# Measures the secret screen's cost against a base revision in one run:
# builds the secretscan test binary of the base (default: where the branch
# left main, so both read the same request and runbook) and of the working
# tree, then runs the input benchmark (BenchmarkScanRequestUnseen:
# a request, never seen before) and the output benchmark
# (BenchmarkScanRunbookUnseen: a whole runbook, as the output screen reads
# it) in interleaved rounds (base then head, head then base, ...), and
# prints each side's median ns/op and the ratio head/base.
#   scripts/screen-cost.sh [BASE]    ROUNDS (default 9), BENCHTIME (default 1s)
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:-$(git merge-base main HEAD)}
rounds=${ROUNDS:-9}
benchtime=${BENCHTIME:-1s}
tmp=$(mktemp -d)
cleanup() { git worktree remove --force "$tmp/base" >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
git worktree add -q --detach "$tmp/base" "$base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./internal/secretscan)
go test -c -o "$tmp/head.test" ./internal/secretscan
run() { # side: runs one round of both benchmarks from the side's package directory
	local dir=internal/secretscan
	[ "$1" = base ] && dir=$tmp/base/internal/secretscan
	(cd "$dir" && "$tmp/$1.test" -test.run '^$' -test.bench '^BenchmarkScan(Request|Runbook)Unseen$' -test.benchtime "$benchtime" -test.count 1) |
		awk -v side="$1" '/^BenchmarkScan/ { sub(/-[0-9]+$/, "", $1); print side, $1, $3 }' >>"$tmp/results"
}
uptime
for i in $(seq "$rounds"); do
	if [ $((i % 2)) = 1 ]; then run base; run head; else run head; run base; fi
done
awk '
	{ v[$1 " " $2] = v[$1 " " $2] " " $3 }
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		split("BenchmarkScanRequestUnseen BenchmarkScanRunbookUnseen", names, " ")
		split("input output", what, " ")
		for (k = 1; k <= 2; k++) {
			b = median(v["base " names[k]]); h = median(v["head " names[k]])
			printf "%-6s %-28s base %10.0f ns/op  head %10.0f ns/op  ratio %.3f\n", what[k], names[k], b, h, h / b
		}
	}' "$tmp/results"
echo "($rounds interleaved rounds, -benchtime $benchtime, medians; base $(git rev-parse --short "$base"), head $(git rev-parse --short HEAD) + working tree)"
uptime
