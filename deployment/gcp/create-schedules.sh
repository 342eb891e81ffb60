#!/bin/sh
# Cloud Scheduler jobs that start the Cloud Run job user-score-batch every night
# (Cloud Run Admin API v2 `jobs:run` with the args of scheduler-<pipeline>.json).
#
# Cloud Scheduler cannot put the scheduled time in the request body, so run_date
# is the execution day in UTC (deployment/entrypoint.sh): keep the schedules well
# after midnight UTC. Backfill a day with
#   gcloud run jobs execute user-score-batch --region <REGION> \
#     --args scoring --update-env-vars USER_SCORE_RUN_DATE=YYYY-MM-DD
#
# Placeholders: set PROJECT_ID, REGION and SCHEDULER_SA before running.
set -eu
: "${PROJECT_ID:?set PROJECT_ID (<PROJECT_ID>)}"
: "${REGION:?set REGION (<REGION>)}"
: "${SCHEDULER_SA:?set SCHEDULER_SA (<SCHEDULER_SERVICE_ACCOUNT>@<PROJECT_ID>.iam.gserviceaccount.com)}"
here=$(dirname "$0")
uri="https://run.googleapis.com/v2/projects/${PROJECT_ID}/locations/${REGION}/jobs/user-score-batch:run"

create() {  # name, cron (UTC), body file
    gcloud scheduler jobs create http "$1" \
        --project "$PROJECT_ID" --location "$REGION" \
        --schedule "$2" --time-zone "UTC" \
        --uri "$uri" --http-method POST \
        --headers "Content-Type=application/json" \
        --message-body-from-file "$here/$3" \
        --oauth-service-account-email "$SCHEDULER_SA" \
        --attempt-deadline 300s
}

create user-score-nightly-scoring "0 2 * * *" scheduler-scoring.json
create user-score-nightly-monitoring "30 3 * * *" scheduler-monitoring.json
