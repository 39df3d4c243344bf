#!/usr/bin/env bash
# Runs one flotilla command for the Action (action.yml) and sets its outputs:
#   changes      true/false: plan found changes, status found drift (other commands: false)
#   plan-file    the JSON plan `plan` saved (apply it with `command: apply`, `plan: FILE`)
#   report-file  the JSON report `apply` and `rollback` wrote
# `plan` also writes its Markdown rendering (the PR comment) to plan.md beside the plan
# file and adds it to the job summary.
#
# Environment, from the Action's inputs: FLOTILLA_COMMAND, FLOTILLA_MANIFEST,
# FLOTILLA_ENVIRONMENT, FLOTILLA_PLAN, FLOTILLA_ARGS, FLOTILLA_OUT_DIR.
set -euo pipefail

die() {
  echo "flotilla action: $*" >&2
  exit 1
}

output() {
  echo "$1=$2"
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "$1=$2" >>"$GITHUB_OUTPUT"
  fi
}

command=${FLOTILLA_COMMAND:-plan}
manifest=${FLOTILLA_MANIFEST:-deploy.yaml}
out=${FLOTILLA_OUT_DIR:-${RUNNER_TEMP:-/tmp}/flotilla}
mkdir -p "$out"

# `args` is one string of extra flags, split on whitespace like a shell would (no quotes
# or globbing): `--only api --parallelism 8`. `${extra[@]+...}` keeps an empty list
# working under `set -u` in macOS's bash 3.2.
read -r -a extra <<<"${FLOTILLA_ARGS:-}"
target=(-f "$manifest")
if [ -n "${FLOTILLA_ENVIRONMENT:-}" ]; then
  target+=(--env "$FLOTILLA_ENVIRONMENT")
fi

changes=false
case "$command" in
  install) ;;
  validate)
    flotilla validate "${target[@]}" --format github ${extra[@]+"${extra[@]}"}
    ;;
  plan)
    plan_file="$out/plan.json"
    status=0
    flotilla plan "${target[@]}" --format markdown -o "$plan_file" --detailed-exitcode \
      ${extra[@]+"${extra[@]}"} >"$out/plan.md" || status=$?
    case "$status" in
      0) ;;
      2) changes=true ;;
      *) cat "$out/plan.md" >&2; die "flotilla plan failed (exit $status)" ;;
    esac
    cat "$out/plan.md"
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      cat "$out/plan.md" >>"$GITHUB_STEP_SUMMARY"
    fi
    output plan-file "$plan_file"
    output plan-markdown "$out/plan.md"
    ;;
  apply)
    report="$out/report.json"
    status=0
    if [ -n "${FLOTILLA_PLAN:-}" ]; then
      # A saved plan carries its own manifest, environment and functions.
      flotilla apply "$FLOTILLA_PLAN" --report "$report" ${extra[@]+"${extra[@]}"} || status=$?
    else
      flotilla apply "${target[@]}" --auto-approve --report "$report" ${extra[@]+"${extra[@]}"} || status=$?
    fi
    output report-file "$report"
    [ "$status" = 0 ] || die "flotilla apply failed (exit $status); see $report"
    ;;
  rollback)
    report="$out/report.json"
    status=0
    flotilla rollback "${target[@]}" --auto-approve --report "$report" ${extra[@]+"${extra[@]}"} || status=$?
    output report-file "$report"
    [ "$status" = 0 ] || die "flotilla rollback failed (exit $status); see $report"
    ;;
  status)
    status=0
    flotilla status "${target[@]}" --detailed-exitcode ${extra[@]+"${extra[@]}"} || status=$?
    case "$status" in
      0) ;;
      2) changes=true ;;
      *) die "flotilla status failed (exit $status)" ;;
    esac
    ;;
  *)
    die "command must be one of plan, apply, validate, status, rollback, install (got '$command')"
    ;;
esac
output changes "$changes"
