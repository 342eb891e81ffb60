#!/bin/sh
# Container entry point: one Kedro pipeline of the `s3` environment for one day.
#
#   entrypoint.sh <pipeline> [key=value ...]
#
# Every key=value is a Kedro run-time parameter; they go with run_date into one
# `--params` option (kedro keeps only the last `--params`), e.g.
#   entrypoint.sh monitoring fail_on=critical
#
# run_date (YYYY-MM-DD) is, in this order:
#   1. $USER_SCORE_RUN_DATE                        (manual backfills)
#   2. the day of $USER_SCORE_SCHEDULED_TIME       (ISO time set by the scheduler,
#      e.g. EventBridge Scheduler's <aws.scheduler.scheduled-time>)
#   3. today in UTC                                (schedulers that cannot pass a time)
# Pipelines that take no run_date (data_engineering, training) ignore it.
# USER_SCORE_DRY_RUN=1 prints the command instead of running it.
set -eu

fail() {
    echo "entrypoint.sh: $*" >&2
    exit 2
}

[ "$#" -ge 1 ] || fail "usage: entrypoint.sh <pipeline> [key=value ...]"
pipeline="$1"
shift
case "$pipeline" in
    ""|-*|*=*) fail "the first argument must be a pipeline name, got '$pipeline'" ;;
esac

if [ -n "${USER_SCORE_RUN_DATE:-}" ]; then
    run_date="$USER_SCORE_RUN_DATE"
elif [ -n "${USER_SCORE_SCHEDULED_TIME:-}" ]; then
    run_date=$(printf '%s' "$USER_SCORE_SCHEDULED_TIME" | cut -c1-10)
else
    run_date=$(date -u +%Y-%m-%d)
fi
case "$run_date" in
    [12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]) ;;
    *) fail "run_date '$run_date' is not YYYY-MM-DD (USER_SCORE_RUN_DATE / USER_SCORE_SCHEDULED_TIME)" ;;
esac

params="run_date=$run_date"
for item in "$@"; do
    case "$item" in
        run_date=*) fail "set run_date with USER_SCORE_RUN_DATE, not as an argument" ;;
        -*|=*|*,*) fail "arguments after the pipeline are key=value parameters, got '$item'" ;;
        *=*) params="$params,$item" ;;
        *) fail "arguments after the pipeline are key=value parameters, got '$item'" ;;
    esac
done

set -- kedro run --env s3 --pipelines "$pipeline" --params "$params"
if [ "${USER_SCORE_DRY_RUN:-0}" = "1" ]; then
    echo "$@"
    exit 0
fi
echo "user-score: pipeline=$pipeline run_date=$run_date root=${USER_SCORE_S3_ROOT:-<conf default>}" >&2
exec "$@"
