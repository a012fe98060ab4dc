-- Email (issue 11): every message the platform sends is a row here, written
-- in the transaction of whatever caused it (an outbox), and sent by a
-- `send_email` job. The row is the message's delivery record: its status
-- tells a re-run whether the message may have gone already.
--
--   queued → sending → transmitting → sent
--                 ↘ failed (refused for good, or out of attempts)
--   transmitting, interrupted → unconfirmed (maybe delivered; not resent)
CREATE TYPE email_status AS ENUM
    ('queued', 'sending', 'transmitting', 'sent', 'failed', 'unconfirmed');

CREATE TABLE emails (
    id              uuid PRIMARY KEY,
    organisation_id uuid         REFERENCES organisations (id) ON DELETE CASCADE,
    -- Whose personal data this is, for export and erasure.
    candidate_id    uuid,
    -- One email per key: asking twice for the same email finds the first.
    dedupe_key      text         NOT NULL UNIQUE,
    template        text         NOT NULL,
    sender          text         NOT NULL,
    -- The recipient's address and the whole MIME message, sealed under
    -- TALENTI_DATA_KEYS. The message may hold a link's secret, so it is
    -- dropped once sent.
    recipient       bytea        NOT NULL,
    message         bytea,
    status          email_status NOT NULL DEFAULT 'queued',
    attempts        integer      NOT NULL DEFAULT 0,
    -- The server's answer to the message (`250 …`).
    receipt         text,
    last_error      text,
    job_id          uuid,
    sent_at         timestamptz,
    created_at      timestamptz  NOT NULL DEFAULT now(),
    updated_at      timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX emails_org_idx ON emails (organisation_id, created_at DESC);
CREATE INDEX emails_candidate_idx ON emails (candidate_id) WHERE candidate_id IS NOT NULL;
CREATE TRIGGER emails_updated_at BEFORE UPDATE ON emails FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Team invitations are emailed: the latest email about each.
ALTER TABLE invitations ADD COLUMN email_id uuid;
