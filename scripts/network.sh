#!/usr/bin/env bash
# The evidence ledger's native Fabric test network: two orgs (Platform, Bank),
# one etcdraft orderer, one peer per org, TLS everywhere, LevelDB, channel
# "evidence", the evidence chaincode run as a service. No Docker.
#
#   scripts/network.sh up              start (or resume) the network; idempotent
#   scripts/network.sh down [--purge]  stop every process; --purge also wipes the ledger
#   scripts/network.sh status          what runs; exit 0 only if all of it answers
#   scripts/network.sh env ORG         exports that make the stock `peer` CLI act as
#                                      ORG's admin (ORG: platform | bank)
#
# Fabric binaries (peer orderer configtxgen osnadmin cryptogen) come from
# FABRIC_BIN or PATH. Everything generated lives under network/run/ (git-ignored);
# `up` after `down` keeps the ledger. The chaincode server runs from the
# project's Python (LEDGER_PYTHON, else .venv/bin/python, else python3) and a
# small watcher restarts it if it dies. Ports start at EVIDENCE_PORT_BASE
# (default 27000).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
NET="$REPO/network"
RUN="$NET/run"
CRYPTO="$RUN/crypto"
PIDS="$RUN/pids"
LOGS="$RUN/logs"
STATE="$RUN/state"

CHANNEL="evidence"
CC_NAME="evidence"
CC_VERSION="1.0"
CC_SEQUENCE="1"
CC_LABEL="evidence_1"
BATCH_TIMEOUT="${EVIDENCE_BATCH_TIMEOUT:-50ms}"

# The port base a network was created with sticks to it (status, env, up again).
if [[ -f "$STATE/port-base" ]]; then
  stored_base="$(cat "$STATE/port-base")"
  if [[ -n "${EVIDENCE_PORT_BASE:-}" && "$EVIDENCE_PORT_BASE" != "$stored_base" \
        && "${1:-}" != "down" ]]; then
    echo "network.sh: this network was created with EVIDENCE_PORT_BASE=$stored_base;" \
      "run 'network.sh down --purge' to change it" >&2
    exit 2
  fi
  EVIDENCE_PORT_BASE="$stored_base"
fi
BASE="${EVIDENCE_PORT_BASE:-27000}"
[[ "$BASE" =~ ^[0-9]+$ ]] && ((BASE > 0 && BASE < 65000)) \
  || { echo "network.sh: EVIDENCE_PORT_BASE must be a port number below 65000" >&2; exit 2; }
ORDERER_PORT=$((BASE + 50))
ORDERER_ADMIN_PORT=$((BASE + 53))
ORDERER_OPS_PORT=$((BASE + 443))
declare -A PEER_PORT=([platform]=$((BASE + 51)) [bank]=$((BASE + 61)))
declare -A PEER_CC_PORT=([platform]=$((BASE + 57)) [bank]=$((BASE + 67)))
declare -A PEER_OPS_PORT=([platform]=$((BASE + 444)) [bank]=$((BASE + 445)))
declare -A CCAAS_PORT=([platform]=$((BASE + 52)) [bank]=$((BASE + 62)))
declare -A MSPID=([platform]=PlatformMSP [bank]=BankMSP)
declare -A DOMAIN=([platform]=platform.evidence.local [bank]=bank.evidence.local)
ORGS=(platform bank)
ORDERER_DOMAIN="orderer.evidence.local"
ORDERER_HOST="orderer0.$ORDERER_DOMAIN"
BINARIES=(peer orderer configtxgen osnadmin cryptogen)

say() { printf '%s\n' "$*"; }
die() { printf 'network.sh: %s\n' "$1" >&2; exit "${2:-1}"; }

# ---------------------------------------------------------------- prerequisites

BIN_DIR=""
find_binaries() {
  local missing=() b dir
  if [[ -n "${FABRIC_BIN:-}" ]]; then
    for b in "${BINARIES[@]}"; do [[ -x "$FABRIC_BIN/$b" ]] || missing+=("$b"); done
    dir="$FABRIC_BIN"
  else
    for b in "${BINARIES[@]}"; do command -v "$b" >/dev/null 2>&1 || missing+=("$b"); done
    dir="$(dirname "$(command -v peer 2>/dev/null || echo /nonexistent/peer)")"
  fi
  if ((${#missing[@]})); then
    cat >&2 <<EOF
network.sh: Hyperledger Fabric binaries not found: ${missing[*]}
  looked in: ${FABRIC_BIN:+FABRIC_BIN=$FABRIC_BIN}${FABRIC_BIN:-PATH}
  needed:    ${BINARIES[*]} (Fabric v2.5)
  Official Fabric releases (prebuilt binaries) are published on the Hyperledger
  Fabric GitHub releases page: https://github.com/hyperledger/fabric/releases
  Put their bin/ folder on PATH or point FABRIC_BIN at it, then run this again.
EOF
    exit 3
  fi
  BIN_DIR="$(cd "$dir" && pwd)"
}

PY=""
find_python() {
  if [[ -n "${LEDGER_PYTHON:-}" ]]; then PY="$LEDGER_PYTHON"
  elif [[ -x "$REPO/.venv/bin/python" ]]; then PY="$REPO/.venv/bin/python"
  else PY="$(command -v python3 || true)"; fi
  [[ -n "$PY" ]] || die "no Python found for the chaincode server (set LEDGER_PYTHON)" 3
  if ! (cd "$REPO" && "$PY" -c 'import chaincode.evidence.contract, anchoring.fabric.probe' \
        >/dev/null 2>&1); then
    die "$PY cannot import the chaincode (fabric-chaincode-python, pynacl, rfc8785 installed?); set LEDGER_PYTHON to the project's environment" 3
  fi
}

# ---------------------------------------------------------------- processes

pid_of() { [[ -f "$PIDS/$1.pid" ]] && cat "$PIDS/$1.pid" || true; }
running() {  # alive and not a zombie (a killed node can linger unreaped as Z)
  local p state
  p="$(pid_of "$1")"
  [[ -n "$p" ]] && kill -0 "$p" 2>/dev/null || return 1
  if [[ -r "/proc/$p/stat" ]]; then
    state="$(sed 's/.*) //' "/proc/$p/stat" | cut -d' ' -f1)"
    [[ "$state" != "Z" ]] || return 1
  fi
  return 0
}

# start NAME ENV... -- CMD...: in its own session, with a clean environment
# (CORE_PEER_* exported for the CLI would otherwise override a peer's core.yaml).
start() {
  local name="$1"; shift
  local envs=()
  while [[ "$1" != "--" ]]; do envs+=("$1"); shift; done
  shift
  mkdir -p "$PIDS" "$LOGS"
  # fd 9 is the up/down lock: the long-running node must not inherit it.
  (exec 9>&-; cd "$RUN" && exec setsid env -i PATH="$BIN_DIR:/usr/local/bin:/usr/bin:/bin" HOME="${HOME:-/tmp}" \
      "${envs[@]}" "$@" >>"$LOGS/$name.log" 2>&1 </dev/null) &
  echo $! >"$PIDS/$name.pid"
}

stop() {
  local name="$1" pid i
  pid="$(pid_of "$name")"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    say "stopped $name (pid $pid)"
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.child.pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {  # wait_port PORT NAME SECONDS
  local i
  for i in $(seq 1 $(($3 * 10))); do
    port_open "$1" && return 0
    running "$2" || die "$2 exited; see $LOGS/$2.log"
    sleep 0.1
  done
  die "$2 did not open port $1 within $3 s; see $LOGS/$2.log"
}

http_get() {
  "$PY" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception:
    sys.exit(1)
EOF
}

# ---------------------------------------------------------------- paths and CLI

peer_dir() { echo "$CRYPTO/peerOrganizations/${DOMAIN[$1]}/peers/peer0.${DOMAIN[$1]}"; }
ccaas_dir() { echo "$CRYPTO/peerOrganizations/${DOMAIN[$1]}/peers/ccaas.${DOMAIN[$1]}"; }
admin_msp() { echo "$CRYPTO/peerOrganizations/${DOMAIN[$1]}/users/Admin@${DOMAIN[$1]}/msp"; }
orderer_dir() { echo "$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/orderers/$ORDERER_HOST"; }
orderer_ca() { echo "$(orderer_dir)/tls/ca.crt"; }

cli_env() {  # the environment that makes `peer` act as ORG's admin
  local org="$1"
  echo "FABRIC_CFG_PATH=$RUN/$org/peer"
  echo "CORE_PEER_LOCALMSPID=${MSPID[$org]}"
  echo "CORE_PEER_MSPCONFIGPATH=$(admin_msp "$org")"
  echo "CORE_PEER_ADDRESS=127.0.0.1:${PEER_PORT[$org]}"
  echo "CORE_PEER_TLS_ENABLED=true"
  echo "CORE_PEER_TLS_ROOTCERT_FILE=$(peer_dir "$org")/tls/ca.crt"
}

as_admin() {  # as_admin ORG CMD...: run the CLI in a clean environment
  local org="$1"; shift
  local envs=()
  mapfile -t envs < <(cli_env "$org")
  env -i PATH="$BIN_DIR:/usr/bin:/bin" HOME="${HOME:-/tmp}" "${envs[@]}" "$@"
}

mark() { mkdir -p "$STATE"; : >"$STATE/$1"; }
marked() { [[ -f "$STATE/$1" ]]; }

# ---------------------------------------------------------------- generation

render() {  # render TEMPLATE OUT KEY=VALUE...
  local tpl="$1" out="$2"; shift 2
  local text kv
  text="$(cat "$tpl")"
  for kv in "$@"; do text="${text//@${kv%%=*}@/${kv#*=}}"; done
  mkdir -p "$(dirname "$out")"
  printf '%s\n' "$text" >"$out"
}

generate() {
  mkdir -p "$RUN" "$LOGS" "$PIDS" "$STATE"
  echo "$BASE" >"$STATE/port-base"
  if [[ ! -d "$CRYPTO" ]]; then
    if ! "$BIN_DIR/cryptogen" generate --config="$NET/crypto-config.yaml" --output="$CRYPTO" \
        >"$LOGS/cryptogen.log" 2>&1; then
      rm -rf "$CRYPTO"
      die "cryptogen failed; see $LOGS/cryptogen.log"
    fi
  fi
  render "$NET/templates/configtx.yaml" "$RUN/config/configtx.yaml" \
    ORDERER_PORT="$ORDERER_PORT" PLATFORM_PEER_PORT="${PEER_PORT[platform]}" \
    BANK_PEER_PORT="${PEER_PORT[bank]}" BATCH_TIMEOUT="$BATCH_TIMEOUT"
  render "$NET/templates/orderer.yaml" "$RUN/orderer/orderer.yaml" \
    ORDERER_PORT="$ORDERER_PORT" ORDERER_ADMIN_PORT="$ORDERER_ADMIN_PORT" \
    ORDERER_OPS_PORT="$ORDERER_OPS_PORT" ORDERER_TLS="$(orderer_dir)/tls" \
    ORDERER_MSP="$(orderer_dir)/msp" DATA="$RUN/data"
  local org
  for org in "${ORGS[@]}"; do
    render "$NET/templates/core.yaml" "$RUN/$org/peer/core.yaml" \
      PEER_ID="peer0.${DOMAIN[$org]}" PEER_PORT="${PEER_PORT[$org]}" \
      PEER_CC_PORT="${PEER_CC_PORT[$org]}" PEER_OPS_PORT="${PEER_OPS_PORT[$org]}" \
      PEER_TLS="$(peer_dir "$org")/tls" PEER_MSP="$(peer_dir "$org")/msp" \
      MSPID="${MSPID[$org]}" DATA="$RUN/data/$org" BUILDER="$NET/builder"
  done
  if [[ ! -f "$RUN/channel/$CHANNEL.block" ]]; then
    mkdir -p "$RUN/channel"
    env -i PATH="$BIN_DIR:/usr/bin:/bin" HOME="${HOME:-/tmp}" FABRIC_CFG_PATH="$RUN/config" \
      configtxgen -profile EvidenceChannel -channelID "$CHANNEL" \
      -outputBlock "$RUN/channel/$CHANNEL.block" >"$LOGS/configtxgen.log" 2>&1 \
      || die "configtxgen failed; see $LOGS/configtxgen.log"
  fi
  if [[ ! -f "$RUN/chaincode/$CC_LABEL.tar.gz" ]]; then
    # One package for both orgs; the builder's release step points each peer at
    # its own org's chaincode server (see network/builder/bin/release).
    local pkg="$RUN/chaincode/pkg"
    rm -rf "$pkg"; mkdir -p "$pkg/src"
    printf '{"address": "127.0.0.1:%s", "dial_timeout": "10s", "tls_required": false}\n' \
      "${CCAAS_PORT[platform]}" >"$pkg/src/connection.json"
    printf '{"type": "ccaas", "label": "%s"}\n' "$CC_LABEL" >"$pkg/metadata.json"
    tar -C "$pkg/src" -czf "$pkg/code.tar.gz" connection.json
    tar -C "$pkg" -czf "$RUN/chaincode/$CC_LABEL.tar.gz" metadata.json code.tar.gz
  fi
}

# ---------------------------------------------------------------- bring-up steps

start_orderer() {
  if ! running orderer; then
    start orderer FABRIC_CFG_PATH="$RUN/orderer" -- orderer
  fi
  wait_port "$ORDERER_ADMIN_PORT" orderer 30
  if ! marked orderer-joined; then
    local admin_tls="$CRYPTO/ordererOrganizations/$ORDERER_DOMAIN/users/Admin@$ORDERER_DOMAIN/tls"
    env -i PATH="$BIN_DIR:/usr/bin:/bin" HOME="${HOME:-/tmp}" osnadmin channel join \
      --channelID "$CHANNEL" --config-block "$RUN/channel/$CHANNEL.block" \
      -o "127.0.0.1:$ORDERER_ADMIN_PORT" --ca-file "$(orderer_ca)" \
      --client-cert "$admin_tls/client.crt" --client-key "$admin_tls/client.key" \
      >>"$LOGS/osnadmin.log" 2>&1 || die "osnadmin channel join failed; see $LOGS/osnadmin.log"
    mark orderer-joined
  fi
  local i
  for i in $(seq 1 150); do  # the Raft leader, or the first submits fail
    http_get "http://127.0.0.1:$ORDERER_OPS_PORT/metrics" | grep -Eq '^consensus_etcdraft_is_leader\{channel="evidence"\} 1' && return 0
    sleep 0.1
  done
  die "the orderer elected no Raft leader within 15 s; see $LOGS/orderer.log"
}

start_peer() {
  local org="$1" name="peer-$1"
  if ! running "$name"; then
    start "$name" FABRIC_CFG_PATH="$RUN/$org/peer" \
      EVIDENCE_CCAAS_ADDRESS="127.0.0.1:${CCAAS_PORT[$org]}" \
      EVIDENCE_CCAAS_ROOT_CERT="$(ccaas_dir "$org")/tls/ca.crt" \
      EVIDENCE_CCAAS_CLIENT_CERT="$(peer_dir "$org")/tls/server.crt" \
      EVIDENCE_CCAAS_CLIENT_KEY="$(peer_dir "$org")/tls/server.key" \
      -- peer node start
  fi
}

join_peer() {
  local org="$1"
  wait_port "${PEER_PORT[$org]}" "peer-$org" 30
  if ! marked "joined-$org"; then
    as_admin "$org" peer channel join -b "$RUN/channel/$CHANNEL.block" \
      >>"$LOGS/cli-$org.log" 2>&1 || die "peer channel join ($org) failed; see $LOGS/cli-$org.log"
    mark "joined-$org"
  fi
}

package_id() {
  as_admin platform peer lifecycle chaincode calculatepackageid "$RUN/chaincode/$CC_LABEL.tar.gz"
}

start_chaincode_server() {  # watched: the loop restarts the server if it dies
  local org="$1" name="cc-$1" pkgid="$2" dir
  dir="$(ccaas_dir "$org")/tls"
  running "$name" && return 0
  start "$name" PYTHONPATH="$REPO" PYTHONUNBUFFERED=1 EVIDENCE_PLATFORM_MSPID=PlatformMSP \
    CHAINCODE_ID="$pkgid" CHAINCODE_SERVER_ADDRESS="127.0.0.1:${CCAAS_PORT[$org]}" \
    CHAINCODE_TLS_KEY="$dir/server.key" CHAINCODE_TLS_CERT="$dir/server.crt" \
    CHAINCODE_CLIENT_CA_CERT="$dir/ca.crt" WATCH_PY="$PY" WATCH_CHILD="$PIDS/$name.child.pid" \
    WATCH_REPO="$REPO" -- bash -c '
      child=""
      trap "[ -n \"\$child\" ] && kill \$child 2>/dev/null; exit 0" TERM INT
      cd "$WATCH_REPO"
      while true; do
        "$WATCH_PY" -m chaincode.evidence.server & child=$!
        echo $child >"$WATCH_CHILD"
        wait $child; rc=$?
        echo "$(date -u +%FT%TZ) watcher: chaincode server exited with $rc; restarting in 1 s"
        sleep 1
      done'
}

deploy_chaincode() {
  local pkgid="$1" org
  for org in "${ORGS[@]}"; do
    if ! marked "installed-$org"; then
      if ! as_admin "$org" peer lifecycle chaincode install "$RUN/chaincode/$CC_LABEL.tar.gz" \
          >>"$LOGS/cli-$org.log" 2>&1; then
        grep -q "already successfully installed" "$LOGS/cli-$org.log" \
          || die "chaincode install ($org) failed; see $LOGS/cli-$org.log"
      fi
      mark "installed-$org"
    fi
  done
  for org in "${ORGS[@]}"; do
    if ! marked "approved-$org"; then
      as_admin "$org" peer lifecycle chaincode approveformyorg -o "127.0.0.1:$ORDERER_PORT" \
        --tls --cafile "$(orderer_ca)" --channelID "$CHANNEL" --name "$CC_NAME" \
        --version "$CC_VERSION" --package-id "$pkgid" --sequence "$CC_SEQUENCE" \
        --waitForEventTimeout 60s >>"$LOGS/cli-$org.log" 2>&1 \
        || die "approveformyorg ($org) failed; see $LOGS/cli-$org.log"
      mark "approved-$org"
    fi
  done
  if ! marked committed; then
    as_admin platform peer lifecycle chaincode commit -o "127.0.0.1:$ORDERER_PORT" \
      --tls --cafile "$(orderer_ca)" --channelID "$CHANNEL" --name "$CC_NAME" \
      --version "$CC_VERSION" --sequence "$CC_SEQUENCE" \
      --peerAddresses "127.0.0.1:${PEER_PORT[platform]}" \
      --tlsRootCertFiles "$(peer_dir platform)/tls/ca.crt" \
      --peerAddresses "127.0.0.1:${PEER_PORT[bank]}" \
      --tlsRootCertFiles "$(peer_dir bank)/tls/ca.crt" \
      --waitForEventTimeout 60s >>"$LOGS/cli-platform.log" 2>&1 \
      || die "chaincode commit failed; see $LOGS/cli-platform.log"
    mark committed
  fi
}

msp_file() {  # msp_file ORG USER signcerts|keystore: path relative to network/run
  local rel="crypto/peerOrganizations/${DOMAIN[$1]}/users/$2@${DOMAIN[$1]}/msp/$3"
  echo "$rel/$(ls "$RUN/$rel" | head -n 1)"
}

peer_json() {
  local org="$1"
  printf '    {"name": "peer0.%s", "mspid": "%s", "gateway": "127.0.0.1:%s",\n' \
    "${DOMAIN[$org]}" "${MSPID[$org]}" "${PEER_PORT[$org]}"
  printf '     "tls_ca": "crypto/peerOrganizations/%s/peers/peer0.%s/tls/ca.crt",\n' \
    "${DOMAIN[$org]}" "${DOMAIN[$org]}"
  printf '     "server_name": "peer0.%s"}' "${DOMAIN[$org]}"
}

# profile.json: the platform (anchors with User1, registers ledgers with Admin).
# profile-bank.json: a bank or auditor reading the channel through the bank's own
# peer with the bank's identity; it trusts neither the platform nor its peer.
write_profile() {
  local org out first second admin
  for org in "${ORGS[@]}"; do
    if [[ "$org" == platform ]]; then out="$RUN/profile.json"; first=platform; second=bank
    else out="$RUN/profile-$org.json"; first="$org"; second=platform; fi
    admin=""
    if [[ "$org" == platform ]]; then
      admin="$(printf '  "admin_identity": {"mspid": "%s", "cert": "%s", "key": "%s"},' \
        "${MSPID[$org]}" "$(msp_file "$org" Admin signcerts)" "$(msp_file "$org" Admin keystore)")"
    fi
    {
      printf '{\n  "version": 1,\n  "name": "evidence-native-test-network (%s)",\n' "$org"
      printf '  "channel": "%s",\n  "chaincode": "%s",\n  "peers": [\n' "$CHANNEL" "$CC_NAME"
      peer_json "$first"; printf ',\n'; peer_json "$second"; printf '\n  ],\n'
      printf '  "identity": {"mspid": "%s", "cert": "%s", "key": "%s"},\n' \
        "${MSPID[$org]}" "$(msp_file "$org" User1 signcerts)" "$(msp_file "$org" User1 keystore)"
      [[ -n "$admin" ]] && printf '%s\n' "$admin"
      printf '  "orderer": {"address": "127.0.0.1:%s",\n' "$ORDERER_PORT"
      printf '              "tls_ca": "crypto/ordererOrganizations/%s/orderers/%s/tls/ca.crt"}\n}\n' \
        "$ORDERER_DOMAIN" "$ORDERER_HOST"
    } >"$out"
  done
}

# ---------------------------------------------------------------- commands

# Ports of a node we are about to start must be free: a network from another
# checkout on the same ports would otherwise answer our probes with its own
# certificates, and the failure would read as a TLS error.
check_ports_free() {
  local -a checks=("orderer:$ORDERER_PORT" "orderer:$ORDERER_ADMIN_PORT" "orderer:$ORDERER_OPS_PORT")
  local org item name port
  for org in "${ORGS[@]}"; do
    checks+=("peer-$org:${PEER_PORT[$org]}" "peer-$org:${PEER_CC_PORT[$org]}"
             "peer-$org:${PEER_OPS_PORT[$org]}" "cc-$org:${CCAAS_PORT[$org]}")
  done
  for item in "${checks[@]}"; do
    name="${item%%:*}" port="${item##*:}"
    if ! running "$name" && port_open "$port"; then
      die "port $port (for $name) is already in use by another process, perhaps a network started from another checkout; stop it, or choose other ports with EVIDENCE_PORT_BASE" 4
    fi
  done
}

cmd_up() {
  find_binaries
  find_python
  check_ports_free
  local t0 org pkgid
  t0="$(date +%s.%N)"
  generate
  start_orderer
  for org in "${ORGS[@]}"; do start_peer "$org"; done
  for org in "${ORGS[@]}"; do join_peer "$org"; done
  pkgid="$(package_id)"
  for org in "${ORGS[@]}"; do start_chaincode_server "$org" "$pkgid"; done
  deploy_chaincode "$pkgid"
  write_profile
  if ! (cd "$REPO" && "$PY" -m anchoring.fabric.probe "$RUN/profile.json" --timeout 90); then
    die "the peers' Gateways did not answer; logs in $LOGS"
  fi
  local elapsed
  elapsed="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
  say "Fabric network up in ${elapsed} s (binaries: $BIN_DIR)"
  say "  orderer   127.0.0.1:$ORDERER_PORT (admin $ORDERER_ADMIN_PORT, operations $ORDERER_OPS_PORT) pid $(pid_of orderer)"
  for org in "${ORGS[@]}"; do
    say "  peer0.${DOMAIN[$org]}  127.0.0.1:${PEER_PORT[$org]} (${MSPID[$org]}, operations ${PEER_OPS_PORT[$org]}) pid $(pid_of "peer-$org")"
    say "  chaincode server ($org)  127.0.0.1:${CCAAS_PORT[$org]} watcher pid $(pid_of "cc-$org")"
  done
  say "  channel $CHANNEL, chaincode $CC_NAME ($pkgid)"
  say "  profiles $RUN/profile.json (platform), $RUN/profile-bank.json (bank, read-only)"
  say "  logs $LOGS"
}

cmd_down() {
  local purge=0
  [[ "${1:-}" == "--purge" ]] && purge=1
  [[ -n "${1:-}" && "$purge" == 0 ]] && die "usage: network.sh down [--purge]" 2
  local name
  for name in cc-platform cc-bank peer-platform peer-bank orderer; do stop "$name"; done
  if ((purge)); then
    rm -rf "$RUN"
    say "network stopped; ledger, crypto material and profile removed"
  else
    say "network stopped; the ledger is kept (network.sh up resumes it)"
  fi
}

cmd_status() {
  local name ok=0 pid
  for name in orderer peer-platform peer-bank cc-platform cc-bank; do
    pid="$(pid_of "$name")"
    if running "$name"; then say "$name: running (pid $pid)"; else say "$name: stopped"; ok=1; fi
  done
  if ((ok == 0)) && [[ -f "$RUN/profile.json" ]]; then
    PY="${LEDGER_PYTHON:-$REPO/.venv/bin/python}"
    [[ -x "$PY" ]] || PY="$(command -v python3)"
    if (cd "$REPO" && "$PY" -m anchoring.fabric.probe "$RUN/profile.json" --timeout 5 2>/dev/null); then
      say "gateways: answering (channel $CHANNEL, chaincode $CC_NAME)"
      return 0
    fi
    say "gateways: not answering"
  fi
  return 3
}

cmd_env() {
  local org="${1:-}"
  [[ -n "$org" && -n "${MSPID[$org]:-}" ]] || die "usage: network.sh env platform|bank" 2
  [[ -d "$CRYPTO" ]] || die "no network generated yet; run: scripts/network.sh up" 3
  find_binaries
  local line
  while IFS= read -r line; do printf 'export %s=%q\n' "${line%%=*}" "${line#*=}"; done \
    < <(cli_env "$org")
  printf 'export PATH=%q:"$PATH"\n' "$BIN_DIR"
  printf 'export ORDERER_ADDRESS=127.0.0.1:%s\n' "$ORDERER_PORT"
  printf 'export ORDERER_CA=%q\n' "$(orderer_ca)"
  printf '# e.g. peer chaincode query -C %s -n %s -c '\''{"Args":["GetHead","LEDGER_ID"]}'\''\n' \
    "$CHANNEL" "$CC_NAME"
}

# up and down change processes and files: one at a time (parallel test workers,
# a demo and a shell may all ask). The lock lives outside network/run (purged).
lock_changes() {
  command -v flock >/dev/null 2>&1 || return 0
  local id
  id="$(printf '%s' "$RUN" | cksum | cut -d' ' -f1)"
  exec 9>"${TMPDIR:-/tmp}/evidence-network-$id.lock"
  flock -w 600 9 || die "another network.sh up/down is still running"
}

case "${1:-}" in
  up) shift; lock_changes; cmd_up "$@" ;;
  down) shift; lock_changes; cmd_down "$@" ;;
  status) shift; cmd_status "$@" ;;
  env) shift; cmd_env "$@" ;;
  *) die "usage: network.sh up | down [--purge] | status | env ORG" 2 ;;
esac
