-- Interview invitations (issue 11): a candidate is emailed a link to their
-- AI interview. The link's token is random; its SHA-256 digest finds the
-- invitation, and the token itself is kept only sealed (TALENTI_DATA_KEYS)
-- so a reminder can carry the same link. Resending rotates the token.
CREATE TYPE interview_invitation_status AS ENUM
    ('pending', 'sent', 'opened', 'started', 'completed', 'expired', 'revoked');

CREATE TABLE interview_invitations (
    id              uuid PRIMARY KEY,
    organisation_id uuid                        NOT NULL,
    interview_id    uuid                        NOT NULL,
    status          interview_invitation_status NOT NULL DEFAULT 'pending',
    token_hash      bytea                       NOT NULL UNIQUE,
    token_sealed    bytea                       NOT NULL,
    -- Bumped by every resend: the email of each token is a new email.
    token_version   integer                     NOT NULL DEFAULT 1,
    expires_at      timestamptz                 NOT NULL,
    email_id        uuid,
    sent_at         timestamptz,
    opened_at       timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    revoked_at      timestamptz,
    reminded_at     timestamptz,
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz                 NOT NULL DEFAULT now(),
    updated_at      timestamptz                 NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, interview_id) REFERENCES interviews (organisation_id, id) ON DELETE CASCADE
);
-- One live invitation per interview.
CREATE UNIQUE INDEX interview_invitations_live_uq ON interview_invitations (interview_id)
    WHERE status IN ('pending', 'sent', 'opened', 'started');
-- The scheduler's scans: live invitations by expiry.
CREATE INDEX interview_invitations_expiry_idx ON interview_invitations (expires_at)
    WHERE status IN ('pending', 'sent', 'opened');
CREATE INDEX interview_invitations_org_idx ON interview_invitations (organisation_id, id DESC);
CREATE TRIGGER interview_invitations_updated_at BEFORE UPDATE ON interview_invitations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- "Starts within the hour" reminders: once per interview and time.
ALTER TABLE interviews ADD COLUMN starting_reminder_for timestamptz;
