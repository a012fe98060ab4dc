-- Throughput per kind and minute (issue 12): what finished, counted by the
-- statement that records outcomes. Each statement adds to one of 16 shard
-- rows of its (minute, kind), chosen at random, so concurrent outcome
-- batches rarely wait on each other's row. Readers sum the shards.
-- purge_finished_jobs deletes minutes older than a day.
CREATE TABLE job_minutes (
    minute    timestamptz NOT NULL,
    kind      text        NOT NULL,
    shard     smallint    NOT NULL,
    succeeded integer     NOT NULL DEFAULT 0,
    failed    integer     NOT NULL DEFAULT 0,
    dead      integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, kind, shard)
);
