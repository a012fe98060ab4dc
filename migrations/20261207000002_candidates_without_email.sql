-- A resume without an email address is kept (issue 13): its parse lands on
-- a candidate who has no email yet, marked as needing one, instead of the
-- job ending dead and the parse being thrown away. Such a candidate cannot
-- be invited or emailed until a recruiter adds the address (PATCH).
--
-- An email is no longer required of a candidate; emails stay unique per
-- organisation (candidates_org_email_uq: NULLs are distinct).
ALTER TABLE candidates DROP CONSTRAINT candidates_email_held;

-- "Needs an email": what recruiters work through (GET /candidates?needs_email=true).
CREATE INDEX candidates_needs_email_idx ON candidates (organisation_id, id DESC)
    WHERE email_index IS NULL AND legacy_email IS NULL AND erased_at IS NULL;
