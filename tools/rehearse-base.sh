#!/usr/bin/env bash
# The rehearsal on anvil with Base's chain id (docs/networks.md): the local demo's deploy on a node that
# reports chain 8453, the PMM, custodian and keeper as three separate `silverback run` processes, then
# only the WLP's commands (a quote and a mint, a quote and a redemption), each followed by a wait, with a
# timeout, until the bots have done their part. Last, the seconds from each request to its settlement or
# fill, and to the custodian's report after the fill (the bots' latency as three processes).
#
#   APE_FOUNDRY_HOST=http://127.0.0.1:8545 tools/rehearse-base.sh   # `make rehearse-base` starts its own node
#
# Environment: APE_FOUNDRY_HOST (required: a node started with --chain-id 8453 --accounts 12);
# SSI_REHEARSAL_DIR (an empty or new directory for the deployments file, the quotes, the journals and the
# bots' logs; default: a new temporary directory); SSI_REHEARSAL_TIMEOUT (seconds per wait; default 90).
# The lines between "rehearsal: begin" and "rehearsal: end" are the block docs/networks.md shows;
# tests/operators/test_rehearsal.py checks that they are the same, and runs this script.
set -Eeuo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$root/node_modules/.bin:$root/.venv/bin:$PATH"
CHAIN_ID=8453
timeout=${SSI_REHEARSAL_TIMEOUT:-90}
work=
declare -A bots=()
clock_pid=
started=$SECONDS

fail() { echo "rehearse-base: $*${work:+ (files and logs in $work)}" >&2; exit 1; }
trap 'echo "rehearse-base: failed (exit $?): $BASH_COMMAND${work:+ (files and logs in $work)}" >&2' ERR
[ -n "${APE_FOUNDRY_HOST:-}" ] || fail "set APE_FOUNDRY_HOST to the node's URL (anvil --chain-id $CHAIN_ID)"
rehearsal() { python "$root/tools/rehearsal.py" "$@"; }

# Stop the bots (Silverback shuts down on SIGINT) and the block clock, whatever the way out.
stop() {
  local rc=$? role deadline
  trap - ERR
  for role in "${!bots[@]}"; do kill -INT "${bots[$role]}" 2>/dev/null || true; done
  deadline=$((SECONDS + 20))
  for role in "${!bots[@]}"; do
    while kill -0 "${bots[$role]}" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -KILL "${bots[$role]}" 2>/dev/null || true
  done
  [ -z "$clock_pid" ] || kill "$clock_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT TERM

# wait_for STEP CHECK [ARGS...]: run CHECK until it succeeds, at most $timeout s, the bots still running.
wait_for() {
  local step=$1 deadline=$((SECONDS + timeout)) role
  shift
  until "$@"; do
    for role in "${!bots[@]}"; do
      kill -0 "${bots[$role]}" 2>/dev/null ||
        fail "the $role bot exited while waiting for $step: $(grep -v '^[[:space:]]*$' "$role.log" | tail -n 1)"
    done
    ((SECONDS < deadline)) || fail "timed out after $timeout s waiting for $step"
    sleep 0.5
  done
  echo "rehearse-base: $step: done ($((SECONDS - started)) s in)"
}

# The checks. expect_chain FILE: FILE's "chain_id" is 8453 (the deployments file; a quote's EIP-712 domain).
expect_chain() { rehearsal chain-id "$1" "$CHAIN_ID" || exit 1; }
# started ROLE...: each bot's log says Silverback finished its start-up.
started() { local role; for role in "$@"; do grep -q "Startup complete" "$role.log" || return 1; done; }
# request_is STATUS FILE: the chain says FILE's request (`ape run wlp mint|redeem --json`) has STATUS.
request_is() { [ "$(ape run wlp status --all --json | rehearsal status "$2")" = "$1" ]; }
# released_and_reported FILE: the custodian's log shows the release for FILE's redemption and a report
# after it, and the chain's last report of MAG7.ssi is current (a report before the fill would be stale).
released_and_reported() {
  local id released reported
  id=$(rehearsal field id < "$1")
  released=$(grep -n "custodian: release .* for RedeemFilled $id " custodian.log | tail -n 1 | cut -d: -f1)
  reported=$(grep -n "custodian: report .* -> ReserveOracle.post_report" custodian.log | tail -n 1 | cut -d: -f1)
  [ -n "$released" ] && [ -n "$reported" ] && [ "$reported" -gt "$released" ] &&
    [ "$(ape run index status --index MAG7 --json | rehearsal field report_state)" = current ]
}

# The node must answer (30 s for it to start) and report Base's chain id.
rehearsal node "$APE_FOUNDRY_HOST" "$CHAIN_ID" 30 || exit 1
# A scratch directory that links to the project: the commands' files stay out of the repository, and the
# deployments file and the journals are this rehearsal's own.
work=${SSI_REHEARSAL_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/rehearse-base.XXXXXX")}
if [ -e "$work/deployments" ]; then
  work=
  fail "$SSI_REHEARSAL_DIR holds an earlier rehearsal: point SSI_REHEARSAL_DIR at an empty directory"
fi
mkdir -p "$work" "$root/.build"
for name in ape-config.yaml pyproject.toml contracts scripts bots .build; do
  [ -e "$work/$name" ] || ln -s "$root/$name" "$work/$name"
done
cd "$work"
export SSI_DEPLOYMENTS_DIR="$work/deployments" SSI_OPERATOR_STATE="$work/journals"
python "$root/tools/rehearsal.py" clock "$APE_FOUNDRY_HOST" blocks.txt & clock_pid=$!  # the process itself, for `kill`

# --- rehearsal: begin ---
ape run deploy --json > deploy.json               # the local demo's deploy: MAG7.ssi on a new protocol
expect_chain deployments/local.json               # the deployments file records chain 8453
export SILVERBACK_NETWORK_CHOICE=ethereum:local:foundry   # the bots' node: APE_FOUNDRY_HOST
silverback run pmm > pmm.log 2>&1 &              bots[pmm]=$!
silverback run custodian > custodian.log 2>&1 &  bots[custodian]=$!
silverback run keeper > keeper.log 2>&1 &        bots[keeper]=$!
wait_for "the bots' start-up" started pmm custodian keeper
# The WLP, and nobody else: a quote from the PMM, a mint request; the bots deliver, report and settle.
ape run pmm quote --index MAG7 --side mint --shares 10 --date 2025-01-31 --out q.json
expect_chain q.json                               # the quote's EIP-712 domain: chain 8453
ape run wlp mint --quote q.json --approve --json > mint.json
wait_for "the settlement of the mint" request_is settled mint.json
# The same 10 shares redeemed: the PMM fills, the custodian releases the basket and reports again.
ape run pmm quote --index MAG7 --side redeem --shares 10 --date 2025-01-31 --out r.json
ape run wlp redeem --quote r.json --approve --json > redeem.json
wait_for "the fill of the redemption" request_is settled redeem.json
wait_for "the custodian's release and report" released_and_reported redeem.json
# --- rehearsal: end ---

echo "rehearse-base: latency with the operators as three Silverback processes (anvil automine, chain $CHAIN_ID):"
rehearsal latency blocks.txt mint.json keeper.log Issuer.settle_mint "  mint, request to settlement" || exit 1
rehearsal latency blocks.txt redeem.json pmm.log Issuer.fill_redeem "  redemption, request to fill" || exit 1
rehearsal latency blocks.txt redeem.json custodian.log ReserveOracle.post_report \
  "  redemption, request to the custodian's report" || exit 1
echo "rehearse-base: passed in $((SECONDS - started)) s; files and logs in $work"
