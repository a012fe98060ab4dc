-- A job kind's dead-letter hook (`on_dead`) runs once a job is `dead`,
-- whichever way it died (a permanent error, its last attempt failing, timing
-- out or panicking, or its worker lost on the last attempt). `dead_hook_at`
-- is when the hook is due: set with the transition to `dead`, pushed ahead
-- while a worker runs the hook (or after it failed), NULL once it has run.
ALTER TABLE jobs ADD COLUMN dead_hook_at timestamptz;

CREATE INDEX jobs_dead_hook_idx ON jobs (dead_hook_at) WHERE dead_hook_at IS NOT NULL;

-- Jobs that died before hooks existed get theirs too: hooks are idempotent,
-- and this is what ends the story of a resume left `uploaded` by a job that
-- died on a timeout or a lost worker.
UPDATE jobs SET dead_hook_at = clock_timestamp() WHERE status = 'dead';
