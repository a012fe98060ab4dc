-- Candidates' email and phone, and what resumes hold (their parse and
-- their file), sealed at rest under TALENTI_DATA_KEYS (issue 11). The
-- database never sees a key, so it cannot seal what is already stored:
-- the plaintext moves to legacy_* columns, which `reseal_personal_data`
-- seals and clears (run it once right after this migration; it also runs
-- daily). Readers take the sealed value, or the legacy one until then.

ALTER TABLE candidates RENAME COLUMN email TO legacy_email;
ALTER TABLE candidates RENAME COLUMN phone TO legacy_phone;
ALTER TABLE candidates ALTER COLUMN legacy_email DROP NOT NULL;
ALTER TABLE candidates
    -- Sealed with associated data `candidates.email:<id>` / `candidates.phone:<id>`.
    ADD COLUMN email_sealed bytea,
    ADD COLUMN phone_sealed bytea,
    -- Blind indexes (HMAC under TALENTI_INDEX_KEY) of the trimmed,
    -- lower-cased email and of the phone's digits: how a candidate is found
    -- by email or phone, and what keeps emails unique per organisation.
    ADD COLUMN email_index bytea,
    ADD COLUMN phone_index bytea,
    -- An email is held (sealed, or still legacy) until the candidate is erased.
    ADD CONSTRAINT candidates_email_held
        CHECK (email_sealed IS NOT NULL OR legacy_email IS NOT NULL OR erased_at IS NOT NULL),
    ADD CONSTRAINT candidates_email_indexed CHECK ((email_sealed IS NULL) = (email_index IS NULL)),
    ADD CONSTRAINT candidates_phone_indexed CHECK ((phone_sealed IS NULL) = (phone_index IS NULL));

DROP INDEX candidates_org_email_uq;
CREATE UNIQUE INDEX candidates_org_email_uq ON candidates (organisation_id, email_index);
CREATE INDEX candidates_org_phone_idx ON candidates (organisation_id, phone_index)
    WHERE phone_index IS NOT NULL;
CREATE INDEX candidates_legacy_idx ON candidates (id)
    WHERE legacy_email IS NOT NULL OR legacy_phone IS NOT NULL;

-- The parse (it holds the email, phone and everything else read from the
-- resume), sealed with `resumes.parsed:<id>`; the stored file too, with
-- `resumes.file:<id>`, under the data key file_key names (NULL: not sealed,
-- an upload from before this migration until `reseal_personal_data` has
-- sealed it). The key is kept here so that rotation finds the files to
-- re-seal without reading every one.
ALTER TABLE resumes RENAME COLUMN parsed TO legacy_parsed;
ALTER TABLE resumes
    ADD COLUMN parsed_sealed bytea,
    ADD COLUMN file_key text;
CREATE INDEX resumes_file_key_idx ON resumes (file_key, id);

-- Rendered reports (they print the candidate's email and phone), sealed
-- in storage with `candidate_reports.file:<storage key>` under file_key.
ALTER TABLE candidate_reports ADD COLUMN file_key text;
CREATE INDEX candidate_reports_file_key_idx ON candidate_reports (file_key, id);
