#!/usr/bin/env bash
# The action's test step: `avcm test` with the action's inputs (from the environment), a job
# summary and annotations (--summary github), and its exit code as the step output `exit-code`.
set -uo pipefail
root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this as a GitHub Action step}"
# Patterns go to avcm unexpanded (it expands globs itself, also ** and {a,b}).
set -f
read -r -a scenarios <<< "${AVCM_SCENARIOS:-scenarios/*.yaml}"
read -r -a extra <<< "${AVCM_ARGS:-}"
args=(test "${scenarios[@]}" --out-dir "${AVCM_OUT_DIR:-avcm-reports}" --summary github)
baseline="${AVCM_BASELINE:-}"
optional="${AVCM_BASELINE_OPTIONAL:-false}"
if [[ -n "$baseline" && ! -e "$baseline" && "$optional" == "true" ]]; then
  echo "avcm: no baseline at $baseline yet; relative assertions are skipped (baseline-optional)"
  baseline=""
fi
if [[ -n "$baseline" ]]; then args+=(--baseline "$baseline"); fi
if [[ "$optional" == "true" ]]; then args+=(--baseline-optional); fi
args+=("${extra[@]}")
node "$root/bin/avcm.js" "${args[@]}"
code=$?
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then echo "exit-code=$code" >> "$GITHUB_OUTPUT"; fi
exit "$code"
