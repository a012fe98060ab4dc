-- Queue control (issue 12): kinds an operator paused, and the indexes the
-- per-kind stats read instead of the whole table.

-- A paused kind is not moved to Redis by any dispatcher until resumed; the
-- row outlives restarts of every process.
CREATE TABLE job_kind_pauses (
    kind      text        PRIMARY KEY,
    reason    text        NOT NULL,
    paused_by text        NOT NULL,
    paused_at timestamptz NOT NULL DEFAULT now()
);

-- Unfinished jobs by kind and due time: the stats' due depth and oldest
-- due age, and the scale-from-zero query, read only these rows.
CREATE INDEX jobs_unfinished_idx ON jobs (kind, run_at)
    WHERE status IN ('queued', 'failed', 'running');

-- Dead jobs by kind (kept longer than other finished ones).
CREATE INDEX jobs_dead_idx ON jobs (kind, finished_at) WHERE status = 'dead';
