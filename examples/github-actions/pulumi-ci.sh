#!/usr/bin/env bash
# The Pulumi commands of Cloister's CI, in one place: the GitHub Actions example (cloister-stacks.yml) runs them
# for every stack, and the e2e suite (test/e2e/platform.e2e.test.ts) runs them against a real node, so the
# example runs exactly what is tested.
#
# Usage: pulumi-ci.sh preview|up|drift <stack>      from the Pulumi project directory (the repository root)
#   preview  pull request: the plan with its diff, the policy pack enforced
#   up       main: the update, the policy pack enforced
#   drift    schedule: fails if an update of the stack would change anything (exit code 7 from recent CLIs)
# Env: POLICY_PACK         the pack; default: this repository's policies/ (from your own program's repository:
#                          node_modules/cloister/dist/policies, the pack the package ships)
#      POLICY_PACK_CONFIG  optional JSON file for --policy-pack-config (see README.md, "Policy pack")
set -euo pipefail

usage() { echo "usage: $0 preview|up|drift <stack>" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1 stack=$2

# By default the repository's policies/, found from this script's place so any working directory works.
policy=(--policy-pack "${POLICY_PACK:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../policies" && pwd)}")
[ -z "${POLICY_PACK_CONFIG:-}" ] || policy+=(--policy-pack-config "$POLICY_PACK_CONFIG")
common=(--stack "$stack" --non-interactive)

case $command in
  preview) exec pulumi preview --diff "${policy[@]}" "${common[@]}" ;;
  # The preview already ran on the pull request, and the pack is enforced during the update itself (as with
  # pulumi/actions' `command: up`, which runs `pulumi up --yes --skip-preview`).
  up) exec pulumi up --yes --skip-preview "${policy[@]}" "${common[@]}" ;;
  drift) exec pulumi preview --expect-no-changes "${common[@]}" ;;
  *) usage ;;
esac
