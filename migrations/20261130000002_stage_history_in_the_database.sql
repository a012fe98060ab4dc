-- An application's stage history is written by the database, whichever
-- statement sets the stage: an application created (by a recruiter, or by a
-- resume parse) and every stage change add one row to
-- application_stage_moves, with who moved it and why from the row itself.
-- No code path can change a stage without its history, and the history's
-- INSERT exists once.
ALTER TABLE applications
    ADD COLUMN stage_moved_by uuid REFERENCES users (id) ON DELETE SET NULL,
    ADD COLUMN stage_reason   text;

CREATE FUNCTION applications_record_stage_move() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO application_stage_moves
        (id, organisation_id, application_id, from_stage, to_stage, moved_by, reason, created_at)
    VALUES (gen_random_uuid(), NEW.organisation_id, NEW.id,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.stage END, NEW.stage,
            NEW.stage_moved_by, NEW.stage_reason, clock_timestamp());
    RETURN NULL;
END
$$;

CREATE TRIGGER applications_stage_created AFTER INSERT ON applications
    FOR EACH ROW EXECUTE FUNCTION applications_record_stage_move();
CREATE TRIGGER applications_stage_moved AFTER UPDATE OF stage ON applications
    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage)
    EXECUTE FUNCTION applications_record_stage_move();
