#!/usr/bin/env bash
# Checks every runbook and inventory of this repository, as CI does on each change: YAML, schema and
# semantic rules, with every problem reported as file:line:column; exits 2 when any is invalid.
# Needs `runbook` on the PATH (the bin/runbook of an unpacked release), or RUNBOOK naming it.
set -euo pipefail
cd "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/.."
shopt -s nullglob
files=(runbooks/*.yaml runbooks/*.yml inventories/*.yaml inventories/*.yml)
if ((${#files[@]} == 0)); then
  echo "ci/validate.sh: nothing to check: no runbooks/*.yaml or inventories/*.yaml" >&2
  exit 2
fi
exec "${RUNBOOK:-runbook}" validate "${files[@]}"
