-- The durable job queue. Postgres is the source of truth for every job;
-- Redis (apalis) only carries job ids to workers.

CREATE TYPE job_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'dead', 'cancelled');

CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    kind             text        NOT NULL,
    -- NULL for system jobs (scheduler ticks, housekeeping).
    organisation_id  uuid,
    status           job_status  NOT NULL DEFAULT 'queued',
    -- Attempts started so far; incremented when a worker claims the job.
    attempt          integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts     integer     NOT NULL CHECK (max_attempts > 0),
    -- Not to be started before this instant (initial delay or retry backoff).
    run_at           timestamptz NOT NULL DEFAULT now(),
    progress_percent smallint    CHECK (progress_percent BETWEEN 0 AND 100),
    progress_message text,
    payload          jsonb       NOT NULL,
    result           jsonb,
    last_error       text,
    idempotency_key  text,
    -- Worker holding the job while `running`, and until when its lease is valid.
    worker_id        text,
    lease_expires_at timestamptz,
    -- Set while the job sits in Redis for the current attempt; the apalis task
    -- id carrying it (a fresh one per dispatch).
    dispatched_at    timestamptz,
    redis_task_id    uuid,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Same idempotency key for the same organisation and kind = the same job.
-- NULLS NOT DISTINCT so system jobs (organisation NULL) deduplicate too.
CREATE UNIQUE INDEX jobs_idempotency_key_uq
    ON jobs (organisation_id, kind, idempotency_key) NULLS NOT DISTINCT
    WHERE idempotency_key IS NOT NULL;

-- The dispatcher's work list: due jobs not yet handed to Redis.
CREATE INDEX jobs_dispatchable_idx
    ON jobs (kind, run_at)
    WHERE status IN ('queued', 'failed') AND dispatched_at IS NULL;

-- Jobs believed to be in Redis (for reconciliation after a Redis loss).
CREATE INDEX jobs_dispatched_idx
    ON jobs (dispatched_at)
    WHERE status IN ('queued', 'failed') AND dispatched_at IS NOT NULL;

-- Lease expiry scan (orphan recovery).
CREATE INDEX jobs_running_lease_idx
    ON jobs (lease_expires_at)
    WHERE status = 'running';

-- Listing: newest first within an organisation, filtered by kind/status.
CREATE INDEX jobs_org_id_idx ON jobs (organisation_id, id DESC);
CREATE INDEX jobs_org_kind_status_idx ON jobs (organisation_id, kind, status, id DESC);

-- One row per (schedule, tick): whichever scheduler inserts it first enqueues
-- the tick's job; every other replica sees the conflict and does nothing.
CREATE TABLE schedule_ticks (
    schedule_name text        NOT NULL,
    tick_at       timestamptz NOT NULL,
    job_id        uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schedule_name, tick_at)
);
