-- Uploaded resumes and what parsing them produced.

CREATE TYPE resume_status AS ENUM ('uploaded', 'parsed', 'failed');

CREATE TABLE resumes (
    id              uuid PRIMARY KEY,
    organisation_id uuid          NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- Where it came in: an existing application, or a job role (a new
    -- candidate, created by the parse).
    job_role_id     uuid,
    application_id  uuid,
    candidate_id    uuid,
    storage_key     text          NOT NULL,
    -- As the uploader named it; for display only (type comes from content).
    filename        text,
    kind            text          NOT NULL CHECK (kind IN ('pdf', 'docx')),
    size_bytes      bigint        NOT NULL,
    sha256          text          NOT NULL,
    status          resume_status NOT NULL DEFAULT 'uploaded',
    error           text,
    pages           integer,
    parser_version  text,
    parsed          jsonb,
    job_id          uuid          REFERENCES jobs (id) ON DELETE SET NULL,
    created_by      uuid          REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, job_role_id) REFERENCES job_roles (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, application_id) REFERENCES applications (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, candidate_id) REFERENCES candidates (organisation_id, id) ON DELETE SET NULL (candidate_id)
);
CREATE INDEX resumes_org_idx ON resumes (organisation_id, id DESC);
CREATE TRIGGER resumes_updated_at BEFORE UPDATE ON resumes FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- What the parser last said about a candidate, and which fields a recruiter
-- has edited by hand (a re-parse never overwrites those).
ALTER TABLE candidates
    ADD COLUMN parsed_profile jsonb,
    ADD COLUMN parser_version text,
    ADD COLUMN parsed_at      timestamptz,
    ADD COLUMN edited_fields  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN total_years_experience real;

-- Structured requirements: which engine produced them, when.
ALTER TABLE job_roles
    ADD COLUMN requirements_version text,
    ADD COLUMN requirements_extracted_at timestamptz;
