-- Candidate reports (issue 10): PDFs rendered by the candidate_report job
-- into object storage; a row per rendering, the latest one served. job_id
-- is unique: a re-delivered job writes nothing twice.
CREATE TABLE candidate_reports (
    id              uuid        PRIMARY KEY,
    organisation_id uuid        NOT NULL,
    application_id  uuid        NOT NULL,
    storage_key     text        NOT NULL,
    size_bytes      integer     NOT NULL,
    job_id          uuid        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, application_id) REFERENCES applications (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX candidate_reports_app_idx ON candidate_reports (application_id, id DESC);
