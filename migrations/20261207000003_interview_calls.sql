-- Voice and video sessions (issue 14). An interview can run on a provider's
-- session (an Ultravox voice call, a Zoom meeting, an Azure Communication
-- Services identity); each is a row here, found again by the provider's id
-- when its webhooks arrive. A session's transcript is written once: the
-- job that writes it sets `transcript_segments` in the same transaction,
-- and a later run (a replayed webhook, a retried job) sees it and writes
-- nothing.

CREATE TABLE interview_calls (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid        NOT NULL,
    interview_id        uuid        NOT NULL,
    provider            text        NOT NULL CHECK (provider IN ('ultravox', 'zoom', 'acs')),
    external_id         text        NOT NULL CHECK (length(external_id) BETWEEN 1 AND 200),
    join_url            text,
    status              text        NOT NULL DEFAULT 'created'
                                    CHECK (status IN ('created', 'started', 'ended')),
    started_at          timestamptz,
    ended_at            timestamptz,
    -- How many transcript segments the call wrote, once it has (0 when the
    -- candidate never spoke).
    transcript_segments integer     CHECK (transcript_segments >= 0),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, external_id),
    FOREIGN KEY (organisation_id, interview_id) REFERENCES interviews (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX interview_calls_interview_idx ON interview_calls (interview_id, created_at DESC);
-- At most one session not yet over per interview and provider: two
-- clients asking at once get the same one.
CREATE UNIQUE INDEX interview_calls_live_idx ON interview_calls (interview_id, provider)
    WHERE status <> 'ended';
CREATE TRIGGER interview_calls_updated_at BEFORE UPDATE ON interview_calls
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Provider webhook events already acted on, by the key that identifies an
-- event across redeliveries: a replay finds its key and changes nothing.
-- Kept a week (providers stop retrying within a day), then purged.
CREATE TABLE provider_events (
    provider    text        NOT NULL,
    event_key   text        NOT NULL CHECK (length(event_key) <= 400),
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_key)
);
CREATE INDEX provider_events_received_idx ON provider_events (received_at);
