-- The parse writes a candidate's profile in one statement (an upsert that
-- returns the row either way), so:

-- a row updated to what it already held keeps its updated_at: an
-- idempotent upsert is not a change;
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger AS $$
BEGIN
    IF NEW IS DISTINCT FROM OLD THEN
        NEW.updated_at = clock_timestamp();
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- and the candidate names the resume its profile came from instead of
-- holding a second copy of that resume's parse (`resumes.parsed`).
ALTER TABLE candidates
    DROP COLUMN parsed_profile,
    ADD COLUMN parsed_resume_id uuid,
    ADD FOREIGN KEY (organisation_id, parsed_resume_id)
        REFERENCES resumes (organisation_id, id) ON DELETE SET NULL (parsed_resume_id);
