-- Shortlists (issue 10): dated snapshots of a job role's ranked
-- applications, as the shortlist job computed them. `entries` is the whole
-- ranking (place, score, fit, tier, skills matched, interview score,
-- review flag, reasons, concerns, and whether it made the shortlist);
-- `requirements` are the role's requirements as ranked against. `job_id`
-- is unique: a re-delivered job writes nothing twice.
CREATE TABLE shortlists (
    id              uuid PRIMARY KEY,
    organisation_id uuid             NOT NULL,
    job_role_id     uuid             NOT NULL,
    max_candidates  integer          NOT NULL CHECK (max_candidates > 0),
    min_score       double precision NOT NULL CHECK (min_score BETWEEN 0 AND 100),
    requirements    jsonb            NOT NULL,
    entries         json             NOT NULL,
    job_id          uuid             NOT NULL UNIQUE,
    created_at      timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, job_role_id) REFERENCES job_roles (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX shortlists_role_idx ON shortlists (job_role_id, id DESC);
-- A snapshot of 10,000 applications is ≈ 7 MB of JSON, written once and
-- read whole, never queried inside: `json` (validated text) stores it in
-- about a quarter of the time `jsonb` takes to convert it, and lz4
-- compresses it faster than the default pglz, to about the same size.
ALTER TABLE shortlists ALTER COLUMN entries SET COMPRESSION lz4;
