#!/usr/bin/env bash
# The whole test suite in two shards run side by side, each `ape test` with its own anvil (ape-config's
# `host: auto` gives each a free port), so that both cores work: much of a shard's time is spent
# waiting on its chain. Contracts are compiled once first, so the shards never write .build at once.
# Each shard's output goes to .test-logs/; both are printed when done, then one closing line
# "N passed, N failed" for the whole suite. Exit status: non-zero if either shard failed.
set -uo pipefail
cd "$(dirname "$0")/.."

SHARD_A=(tests/contracts tests/fuzz tests/methodology tests/web tests/arb)
SHARD_B=(tests/ussi tests/flows tests/operators)
LOGS=.test-logs
mkdir -p "$LOGS"

existing() { for d in "$@"; do [ -e "$d" ] && printf '%s\n' "$d"; done; }
mapfile -t A < <(existing "${SHARD_A[@]}")
mapfile -t B < <(existing "${SHARD_B[@]}")

ape compile >/dev/null || { echo "error: contracts do not compile" >&2; exit 1; }

started=$(date +%s)
echo "==> tests: shard A (${A[*]}) and shard B (${B[*]}) side by side; logs in $LOGS/"
ape test "${A[@]}" -q -p no:cacheprovider --durations=5 "$@" >"$LOGS/shard-a.log" 2>&1 &
pid_a=$!
ape test "${B[@]}" -q -p no:cacheprovider --durations=5 "$@" >"$LOGS/shard-b.log" 2>&1 &
pid_b=$!
wait "$pid_a"; rc_a=$?
wait "$pid_b"; rc_b=$?

for shard in a b; do
  echo "==> shard ${shard}"
  # The progress dots, failures and summary; Ape's long local-variable dumps stay in the log file.
  grep -v '^        [a-z_]* *= ' "$LOGS/shard-${shard}.log" | tail -n 80
done

summary() { grep -E "^(=+ )?[0-9]+ (passed|failed)" "$1" | tail -n 1; }
passed=0; failed=0
for f in "$LOGS/shard-a.log" "$LOGS/shard-b.log"; do
  line=$(summary "$f")
  p=$(grep -Eo '[0-9]+ passed' <<<"$line" | awk '{print $1}'); f_=$(grep -Eo '[0-9]+ (failed|error|errors)' <<<"$line" | awk '{s+=$1} END {print s+0}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f_:-0}))
done
echo "==> whole suite in $(( $(date +%s) - started )) s (shard A exit $rc_a, shard B exit $rc_b)"
echo "${passed} passed, ${failed} failed"
[ "$rc_a" -eq 0 ] && [ "$rc_b" -eq 0 ]
