-- Interview scores (issue 10): one per interview, replaced whole by a
-- re-score. `score` is the scorer's full output (dimensions with evidence
-- and quotes, summary, feedback, integrity); `overall` and
-- `integrity_risk` are copied out of it for ranking and filtering. The
-- rubric is kept as scored, with a version (a digest of it), and the
-- scorer (`builtin-1`, or provider and model), so an old score explains
-- itself after the role's rubric changes. `job_id` is the job that wrote
-- it: a re-delivered job writes nothing twice.
CREATE TABLE interview_scores (
    interview_id    uuid PRIMARY KEY,
    organisation_id uuid             NOT NULL,
    overall         double precision NOT NULL CHECK (overall BETWEEN 0 AND 100),
    integrity_risk  text             NOT NULL CHECK (integrity_risk IN ('low', 'medium', 'high')),
    score           jsonb            NOT NULL,
    rubric          jsonb            NOT NULL,
    rubric_version  text             NOT NULL,
    scorer          text             NOT NULL,
    segments        integer          NOT NULL,
    job_id          uuid             NOT NULL,
    scored_at       timestamptz      NOT NULL DEFAULT now(),
    FOREIGN KEY (organisation_id, interview_id) REFERENCES interviews (organisation_id, id) ON DELETE CASCADE
);
CREATE INDEX interview_scores_org_idx ON interview_scores (organisation_id, overall DESC);

-- Why the last scoring of an interview failed (its job's dead-letter
-- hook); cleared when a score lands.
ALTER TABLE interviews ADD COLUMN score_error text;
