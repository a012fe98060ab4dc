-- Deleting a job (purge_finished_jobs, thousands per statement) runs the
-- foreign-key actions of the rows that point at it: resumes.job_id is set
-- to NULL and schedule_ticks rows go with their job. Without an index on
-- the referencing column each deleted job scanned the whole referencing
-- table, so the purge slowed with every resume ever uploaded
-- (BENCHMARKS.md, the jobs table growing).
CREATE INDEX resumes_job_idx ON resumes (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX schedule_ticks_job_idx ON schedule_ticks (job_id);
