-- An interview keeps the question set it started with (issue 10): a set
-- approved while it runs applies to later interviews only.
ALTER TABLE interviews ADD COLUMN question_set_id uuid REFERENCES question_sets (id);
