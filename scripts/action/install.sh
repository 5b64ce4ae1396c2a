#!/usr/bin/env bash
# The action's install step: builds avcm in the action's own checkout ($GITHUB_ACTION_PATH, the
# ref named in `uses:`) and puts `avcm` on PATH for this and later steps. Nothing comes from a
# registry but avcm's dependencies (npm ci from its lockfile). Idempotent within a job.
set -euo pipefail
root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this as a GitHub Action step}"
if [[ -f "$root/dist/src/cli/main.js" && -d "$root/node_modules" ]]; then
  echo "avcm: already installed in $root"
else
  # npm ci runs `prepare` (the TypeScript build) and the native addon's install script.
  (cd "$root" && npm ci --no-audit --no-fund)
fi
bin="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/avcm-bin"
mkdir -p "$bin"
ln -sf "$root/bin/avcm.js" "$bin/avcm"
chmod +x "$root/bin/avcm.js"
if [[ -n "${GITHUB_PATH:-}" ]]; then echo "$bin" >> "$GITHUB_PATH"; fi
"$bin/avcm" --version
