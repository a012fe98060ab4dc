-- Live job events (issue 12): every change a frontend follows — status,
-- attempt, progress — is announced on the `talenti_job_events` channel with
-- the job's id, delivered when the changing transaction commits. The API
-- LISTENs once per process and streams to its clients
-- (GET /api/v1/jobs/{id}/events); no client polls.
--
-- Only updates that set one of these columns fire (lease renewals and
-- dispatch marks do not), and only when a value really changed.

CREATE FUNCTION notify_job_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('talenti_job_events', NEW.id::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_event AFTER UPDATE OF status, attempt, progress_percent, progress_message ON jobs
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
          OR OLD.attempt IS DISTINCT FROM NEW.attempt
          OR OLD.progress_percent IS DISTINCT FROM NEW.progress_percent
          OR OLD.progress_message IS DISTINCT FROM NEW.progress_message)
    EXECUTE FUNCTION notify_job_event();
