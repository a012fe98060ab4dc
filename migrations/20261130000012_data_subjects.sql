-- Data subjects' rights (issue 11): consent records, exports of everything
-- held about a candidate, and erasure.

-- Consent, append-only: a candidate's answer for a purpose is its latest
-- record; the history is the evidence.
CREATE TABLE candidate_consents (
    id              uuid PRIMARY KEY,
    organisation_id uuid        NOT NULL,
    candidate_id    uuid        NOT NULL,
    purpose         text        NOT NULL
        CHECK (purpose IN ('recruitment', 'ai_interview', 'recording', 'talent_pool')),
    granted         boolean     NOT NULL,
    -- Who recorded it: the candidate (through their interview link) or a
    -- member of the organisation (on the candidate's word).
    source          text        NOT NULL CHECK (source IN ('candidate', 'recruiter')),
    recorded_by     uuid        REFERENCES users (id) ON DELETE SET NULL,
    note            text,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, candidate_id) REFERENCES candidates (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX candidate_consents_candidate_idx ON candidate_consents (candidate_id, purpose, recorded_at DESC);

CREATE TYPE data_export_status AS ENUM ('pending', 'ready', 'failed');

-- An archive of everything held about a candidate, built by a job, stored
-- in object storage and downloaded with a link that expires.
CREATE TABLE data_exports (
    id                  uuid PRIMARY KEY,
    organisation_id     uuid               NOT NULL,
    candidate_id        uuid               NOT NULL,
    status              data_export_status NOT NULL DEFAULT 'pending',
    storage_key         text,
    size_bytes          bigint,
    download_token_hash bytea UNIQUE,
    expires_at          timestamptz,
    requested_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    job_id              uuid,
    error               text,
    created_at          timestamptz        NOT NULL DEFAULT now(),
    updated_at          timestamptz        NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, candidate_id) REFERENCES candidates (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX data_exports_candidate_idx ON data_exports (candidate_id);
CREATE TRIGGER data_exports_updated_at BEFORE UPDATE ON data_exports FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- An erased candidate's row stays, anonymised, so its applications and
-- scores still count in statistics.
ALTER TABLE candidates ADD COLUMN erased_at timestamptz;
