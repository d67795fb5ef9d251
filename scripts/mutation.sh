#!/usr/bin/env bash
# Mutation testing of the verification core (issue 16): mutmut 3 mutates every decision in
# verifier/ledger_proof/{bundle,merkle,commitment,headers,canonical,signing,verdict,policy}.py
# and certificates/{verify,dataintegrity,multibase,status_list,token,model}.py, runs the fast
# tests that cover them (no database, no service) against each mutant, and prints the counts.
#
# mutmut 3 runs from the directory holding the code and imports the mutated copy from
# ./mutants, so the core and those tests are staged into build/mutation first (the repository
# root holds the service, whose tests need a database). Usage: scripts/mutation.sh [JOBS]
# (default 2); MUTMUT_SHOW=1 also lists the surviving mutants' diffs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=${1:-2}
py="$root/.venv/bin/python"

[[ -x "$py" ]] || scripts/setup.sh --dev
"$py" -m pip show mutmut >/dev/null 2>&1 || "$py" -m pip install -q "mutmut>=3.3,<4"

stage="$root/build/mutation"
rm -rf "$stage"
mkdir -p "$stage/tests/certificates"
cp -r verifier/ledger_proof "$stage/ledger_proof"
find "$stage/ledger_proof" -name __pycache__ -prune -exec rm -rf {} +
cp -r tests/proof "$stage/tests/proof"
# The check-name enumeration reads the source, which mutmut rewrites into trampolines.
rm "$stage/tests/proof/test_check_names.py"
find "$stage/tests" -name __pycache__ -prune -exec rm -rf {} +
cp tests/test_bundle.py tests/test_merkle.py tests/test_canonical.py "$stage/tests/"
cp tests/certificates/test_dataintegrity.py "$stage/tests/certificates/"
touch "$stage/tests/__init__.py" "$stage/tests/certificates/__init__.py"

cat > "$stage/setup.cfg" <<'CFG'
[mutmut]
source_paths=ledger_proof/
also_copy=tests/
do_not_mutate=
    ledger_proof/__init__.py
    ledger_proof/cli.py
    ledger_proof/files.py
    ledger_proof/timefmt.py
    ledger_proof/ledgers/*
    ledger_proof/certificates/__init__.py
    ledger_proof/certificates/grades.py
    ledger_proof/scoring/*
pytest_add_cli_args=
    -q
    -p
    no:cacheprovider
pytest_add_cli_args_test_selection=tests/
CFG

cd "$stage"
start=$(date +%s)
# mutmut exits non-zero when mutants survive; the summary below is the result.
"$root/.venv/bin/mutmut" run --max-children "$jobs" >"$stage/run.log" 2>&1 || true
elapsed=$(( $(date +%s) - start ))

"$root/.venv/bin/mutmut" results --all true >"$stage/results.txt" 2>&1 || true
"$py" - "$stage/results.txt" "$elapsed" <<'PY'
import collections
import re
import sys

counts = collections.Counter()
survivors = []
for line in open(sys.argv[1], encoding="utf-8"):
    m = re.match(r"\s*(\S+): (.+)$", line)
    if m:
        counts[m.group(2).strip()] += 1
        if m.group(2).strip() == "survived":
            survivors.append(m.group(1))
total = sum(counts.values())
killed = counts["killed"]
print(f"mutants: {total}  killed: {killed}  survived: {counts['survived']}  "
      f"timeout: {counts['timeout']}  other: "
      f"{ {k: v for k, v in counts.items() if k not in ('killed', 'survived', 'timeout')} }")
if total:
    print(f"killed: {killed}/{total} = {100 * killed / total:.1f}%  "
          f"(run time {int(sys.argv[2]) // 60}m{int(sys.argv[2]) % 60:02d}s)")
for name in survivors:
    print(f"survived: {name}")
PY
if [[ "${MUTMUT_SHOW:-0}" == 1 ]]; then
  grep ": survived" "$stage/results.txt" | cut -d: -f1 | while read -r m; do
    "$root/.venv/bin/mutmut" show "$m"
  done
fi
