-- Schedules as operators see them (issue 12): each scheduler publishes the
-- schedules it runs (declared in code, with TALENTI_SCHEDULE applied) at
-- start-up, so the API and the ops CLI can list them with their last and
-- next runs; an operator pauses one here (its ticks are skipped, not made
-- up later) or triggers it now.
CREATE TABLE schedules (
    name         text        PRIMARY KEY,
    kind         text        NOT NULL,
    expression   text        NOT NULL,
    payload      jsonb       NOT NULL,
    max_attempts integer     NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    paused_at    timestamptz,
    paused_by    text,
    pause_reason text
);
