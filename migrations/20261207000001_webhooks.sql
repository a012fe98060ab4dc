-- Outbound webhooks (issue 12). An organisation registers endpoints for
-- events; each event an endpoint subscribes to becomes one delivery row and
-- one `deliver_webhook` job, written in the transaction that caused the
-- event (a job finishing, a resume's parse landing, an interview's score),
-- so an event is announced if and only if what it announces committed.
--
-- The body of a delivery is fixed when the event happens (retries and
-- replays send the same body and `webhook-id`); it carries ids and
-- outcomes, never personal data: a receiver reads the rest through the API.

CREATE TABLE webhook_endpoints (
    id                         uuid PRIMARY KEY,
    organisation_id            uuid        NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url                        text        NOT NULL,
    description                text        NOT NULL DEFAULT '',
    -- Event types this endpoint receives (`job.succeeded`, `job.dead`,
    -- `resume.parsed`, `interview.scored`).
    events                     text[]      NOT NULL,
    enabled                    boolean     NOT NULL DEFAULT true,
    -- The signing secret (`whsec_…`), sealed under TALENTI_DATA_KEYS.
    secret_sealed              bytea       NOT NULL,
    -- The secret before the last rotation, still signed with until it
    -- expires, so receivers can switch without losing deliveries.
    previous_secret_sealed     bytea,
    previous_secret_expires_at timestamptz,
    created_by                 uuid,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (organisation_id);

CREATE TRIGGER webhook_endpoints_updated_at BEFORE UPDATE ON webhook_endpoints
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid        NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    organisation_id  uuid        NOT NULL,
    event_type       text        NOT NULL,
    -- What makes the event this one: the same key to the same endpoint is
    -- the same delivery (a re-run job announces nothing twice).
    event_key        text        NOT NULL,
    -- The body sent: {"type", "timestamp", "data"}.
    payload          jsonb       NOT NULL,
    -- pending: not delivered yet (attempts may have failed and more are
    -- due); delivered: a 2xx answer; failed: the job gave up (or the
    -- endpoint was disabled or removed) — replayable.
    status           text        NOT NULL DEFAULT 'pending'
                                 CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    last_attempt_at  timestamptz,
    -- Milliseconds the receiver took to answer the last attempt.
    last_duration_ms integer,
    delivered_at     timestamptz,
    -- The `deliver_webhook` job of the latest send (a replay makes a new one).
    job_id           uuid        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (endpoint_id, event_key)
);

CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id DESC);
-- Housekeeping deletes settled deliveries by age.
CREATE INDEX webhook_deliveries_settled_idx ON webhook_deliveries (created_at) WHERE status <> 'pending';

-- A time-ordered (version 7) UUID, as the application makes them, for rows
-- made in SQL. PostgreSQL 18 has uuidv7(); this runs on 15 and later.
CREATE FUNCTION talenti_uuid_v7() RETURNS uuid AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid;
$$ LANGUAGE sql VOLATILE;

-- Announces `event` (keyed `key`, carrying `data`) to the organisation's
-- enabled endpoints that subscribe to it: a delivery row and a
-- `deliver_webhook` job each, on the caller's transaction. Returns how many
-- deliveries it made (0 when the key was announced before). The attempts
-- (10) are `deliver_webhook`'s policy; a test holds the two together.
CREATE FUNCTION webhook_emit(org uuid, event text, key text, data jsonb) RETURNS integer AS $$
DECLARE
    made integer;
BEGIN
    IF org IS NULL OR NOT EXISTS (
        SELECT 1 FROM webhook_endpoints e
        WHERE e.organisation_id = org AND e.enabled AND event = ANY (e.events)
    ) THEN
        RETURN 0;
    END IF;
    WITH d AS (
        INSERT INTO webhook_deliveries (id, endpoint_id, organisation_id, event_type, event_key, payload, job_id)
        SELECT talenti_uuid_v7(), e.id, org, event, key,
               jsonb_build_object(
                   'type', event,
                   'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                   'data', data),
               talenti_uuid_v7()
        FROM webhook_endpoints e
        WHERE e.organisation_id = org AND e.enabled AND event = ANY (e.events)
        ORDER BY e.id
        ON CONFLICT (endpoint_id, event_key) DO NOTHING
        RETURNING id, job_id
    ), j AS (
        INSERT INTO jobs (id, kind, organisation_id, max_attempts, payload)
        SELECT d.job_id, 'deliver_webhook', org, 10, jsonb_build_object('delivery_id', d.id) FROM d
        RETURNING 1
    )
    SELECT count(*) INTO made FROM j;
    IF made > 0 THEN
        PERFORM pg_notify('talenti_jobs', '');
    END IF;
    RETURN made;
END;
$$ LANGUAGE plpgsql;

-- Job events: an organisation's job reaching `succeeded` or `dead` is
-- announced by the statement that records the outcome (deliveries' own
-- jobs excepted: a webhook about a webhook would never end). Organisations
-- without endpoints pay one index probe per finished job.
CREATE FUNCTION jobs_webhook_event() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE organisation_id = NEW.organisation_id AND enabled) THEN
        RETURN NULL;
    END IF;
    PERFORM webhook_emit(
        NEW.organisation_id,
        'job.' || NEW.status::text,
        'job.' || NEW.status::text || ':' || NEW.id::text || ':' || NEW.attempt::text || ':'
            || COALESCE(extract(epoch FROM NEW.finished_at)::text, ''),
        jsonb_build_object('job', jsonb_build_object(
            'id', NEW.id,
            'kind', NEW.kind,
            'status', NEW.status,
            'attempt', NEW.attempt,
            'max_attempts', NEW.max_attempts,
            'created_at', NEW.created_at,
            'finished_at', NEW.finished_at,
            'error', NEW.last_error)));
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_webhook AFTER UPDATE OF status ON jobs
    FOR EACH ROW
    WHEN (NEW.status IN ('succeeded', 'dead')
          AND OLD.status IS DISTINCT FROM NEW.status
          AND NEW.organisation_id IS NOT NULL
          AND NEW.kind <> 'deliver_webhook')
    EXECUTE FUNCTION jobs_webhook_event();
