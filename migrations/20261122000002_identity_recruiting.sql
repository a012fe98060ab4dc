-- Identity, organisations and the recruiting domain. Every row of
-- organisation data carries organisation_id; child rows reference their
-- parent through (organisation_id, id) so a row can never point into another
-- organisation.

CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW.updated_at = clock_timestamp();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- ---------------------------------------------------------------- identity

CREATE TYPE user_kind AS ENUM ('staff', 'candidate');

CREATE TABLE users (
    id                uuid PRIMARY KEY,
    email             text        NOT NULL,
    -- argon2id PHC string; NULL for users who only sign in through an
    -- external identity provider.
    password_hash     text,
    display_name      text,
    kind              user_kind   NOT NULL DEFAULT 'staff',
    is_platform_admin boolean     NOT NULL DEFAULT false,
    -- `sub` of an externally issued token (e.g. Supabase) mapped to this user.
    external_subject  text UNIQUE,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_uq ON users (lower(email));
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Rotating refresh tokens. A family is one login; every refresh replaces the
-- presented token with a new one of the same family. Presenting a replaced
-- token again (reuse) revokes the whole family.
CREATE TABLE refresh_tokens (
    id          uuid PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   uuid        NOT NULL,
    token_hash  bytea       NOT NULL UNIQUE,
    expires_at  timestamptz NOT NULL,
    replaced_at timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE organisations (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL,
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER organisations_updated_at BEFORE UPDATE ON organisations FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TYPE member_role AS ENUM ('owner', 'admin', 'recruiter', 'reviewer');

CREATE TABLE memberships (
    organisation_id uuid        NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            member_role NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
CREATE TRIGGER memberships_updated_at BEFORE UPDATE ON memberships FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE invitations (
    id              uuid PRIMARY KEY,
    organisation_id uuid        NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email           text        NOT NULL,
    role            member_role NOT NULL,
    token_hash      bytea       NOT NULL UNIQUE,
    invited_by      uuid        REFERENCES users (id) ON DELETE SET NULL,
    expires_at      timestamptz NOT NULL,
    accepted_at     timestamptz,
    accepted_by     uuid        REFERENCES users (id) ON DELETE SET NULL,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- One open invitation per address and organisation.
CREATE UNIQUE INDEX invitations_open_uq ON invitations (organisation_id, lower(email))
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE api_keys (
    id              uuid PRIMARY KEY,
    organisation_id uuid        NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    -- The visible part (`tal_<prefix>`), to recognise a key in lists and logs.
    prefix          text        NOT NULL UNIQUE,
    key_hash        bytea       NOT NULL,
    scopes          text[]      NOT NULL,
    created_by      uuid        REFERENCES users (id) ON DELETE SET NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_keys_org_idx ON api_keys (organisation_id);

CREATE TABLE audit_log (
    id              uuid PRIMARY KEY,
    organisation_id uuid        REFERENCES organisations (id) ON DELETE CASCADE,
    actor_user_id   uuid        REFERENCES users (id) ON DELETE SET NULL,
    actor_api_key_id uuid       REFERENCES api_keys (id) ON DELETE SET NULL,
    action          text        NOT NULL,
    target_type     text        NOT NULL,
    target_id       text,
    details         jsonb       NOT NULL DEFAULT '{}',
    ip              text,
    request_id      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_org_idx ON audit_log (organisation_id, id DESC);

-- ---------------------------------------------------------------- recruiting

CREATE TYPE job_role_status AS ENUM ('draft', 'open', 'closed');

CREATE TABLE job_roles (
    id              uuid PRIMARY KEY,
    organisation_id uuid            NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    title           text            NOT NULL,
    description     text            NOT NULL DEFAULT '',
    location        text,
    department      text,
    status          job_role_status NOT NULL DEFAULT 'draft',
    -- Free-form requirements text as the recruiter wrote it, and the
    -- structured requirements extracted from it (a later job fills these).
    requirements    text            NOT NULL DEFAULT '',
    extracted_requirements jsonb,
    -- [{"name", "weight", "description"}]
    rubric          jsonb           NOT NULL DEFAULT '[]',
    created_by      uuid            REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz     NOT NULL DEFAULT now(),
    updated_at      timestamptz     NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id)
);
CREATE INDEX job_roles_org_idx ON job_roles (organisation_id, id DESC);
CREATE INDEX job_roles_search_idx ON job_roles
    USING gin (to_tsvector('simple', title || ' ' || description));
CREATE TRIGGER job_roles_updated_at BEFORE UPDATE ON job_roles FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE candidates (
    id              uuid PRIMARY KEY,
    organisation_id uuid        NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The candidate's own login, when they have one.
    user_id         uuid        REFERENCES users (id) ON DELETE SET NULL,
    first_name      text        NOT NULL,
    last_name       text        NOT NULL,
    email           text        NOT NULL,
    phone           text,
    linkedin_url    text,
    github_url      text,
    portfolio_url   text,
    location        text,
    headline        text,
    summary         text,
    skills          text[]      NOT NULL DEFAULT '{}',
    -- [{"job_title","company_name","start_date","end_date","is_current"}]
    experience      jsonb       NOT NULL DEFAULT '[]',
    -- [{"degree","institution","field_of_study","end_year"}]
    education       jsonb       NOT NULL DEFAULT '[]',
    certifications  text[]      NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id)
);
CREATE UNIQUE INDEX candidates_org_email_uq ON candidates (organisation_id, lower(email));
CREATE INDEX candidates_org_idx ON candidates (organisation_id, id DESC);
CREATE TRIGGER candidates_updated_at BEFORE UPDATE ON candidates FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TYPE application_stage AS ENUM
    ('applied', 'screening', 'interview', 'offer', 'hired', 'rejected', 'withdrawn');

CREATE TABLE applications (
    id              uuid PRIMARY KEY,
    organisation_id uuid              NOT NULL,
    candidate_id    uuid              NOT NULL,
    job_role_id     uuid              NOT NULL,
    stage           application_stage NOT NULL DEFAULT 'applied',
    created_at      timestamptz       NOT NULL DEFAULT now(),
    updated_at      timestamptz       NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    UNIQUE (candidate_id, job_role_id),
    FOREIGN KEY (organisation_id, candidate_id) REFERENCES candidates (organisation_id, id) ON DELETE CASCADE,
    FOREIGN KEY (organisation_id, job_role_id) REFERENCES job_roles (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX applications_org_idx ON applications (organisation_id, id DESC);
CREATE INDEX applications_job_role_idx ON applications (job_role_id, stage);
CREATE TRIGGER applications_updated_at BEFORE UPDATE ON applications FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE application_stage_moves (
    id              uuid PRIMARY KEY,
    organisation_id uuid              NOT NULL,
    application_id  uuid              NOT NULL,
    from_stage      application_stage,
    to_stage        application_stage NOT NULL,
    moved_by        uuid              REFERENCES users (id) ON DELETE SET NULL,
    reason          text,
    created_at      timestamptz       NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, application_id) REFERENCES applications (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX application_stage_moves_app_idx ON application_stage_moves (application_id, created_at);

CREATE TYPE interview_status AS ENUM ('scheduled', 'in_progress', 'completed', 'cancelled', 'expired');

CREATE TABLE interviews (
    id              uuid PRIMARY KEY,
    organisation_id uuid             NOT NULL,
    application_id  uuid             NOT NULL,
    status          interview_status NOT NULL DEFAULT 'scheduled',
    scheduled_at    timestamptz,
    expires_at      timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    recording_ref   text,
    created_at      timestamptz      NOT NULL DEFAULT now(),
    updated_at      timestamptz      NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, id),
    FOREIGN KEY (organisation_id, application_id) REFERENCES applications (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX interviews_org_idx ON interviews (organisation_id, id DESC);
CREATE INDEX interviews_application_idx ON interviews (application_id);
CREATE TRIGGER interviews_updated_at BEFORE UPDATE ON interviews FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE transcript_segments (
    organisation_id uuid        NOT NULL,
    interview_id    uuid        NOT NULL,
    seq             integer     NOT NULL CHECK (seq >= 0),
    speaker         text        NOT NULL,
    content         text        NOT NULL,
    start_ms        integer     NOT NULL CHECK (start_ms >= 0),
    end_ms          integer     NOT NULL,
    confidence      real        CHECK (confidence BETWEEN 0 AND 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (interview_id, seq),
    CHECK (end_ms >= start_ms),
    FOREIGN KEY (organisation_id, interview_id) REFERENCES interviews (organisation_id, id) ON DELETE CASCADE
);
