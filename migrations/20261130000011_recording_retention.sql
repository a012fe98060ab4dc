-- Retention (issue 11): interview recordings are deleted from storage once
-- older than their organisation's retention (from the interview's end, or
-- its start or creation if it never ended); the interview keeps when and
-- why a deletion failed.
ALTER TABLE organisations ADD COLUMN recording_retention_days integer NOT NULL DEFAULT 90
    CHECK (recording_retention_days BETWEEN 1 AND 3650);
ALTER TABLE interviews
    ADD COLUMN recording_deleted_at timestamptz,
    ADD COLUMN recording_delete_error text;
CREATE INDEX interviews_recording_idx ON interviews (id) WHERE recording_ref IS NOT NULL;
