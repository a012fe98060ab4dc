-- The candidate's way into their AI interview (issue 10): a bearer token
-- issued by the recruiter (and, later, emailed), stored as its SHA-256
-- digest. Issuing a new one replaces the old; it lapses with the
-- interview's expiry.
ALTER TABLE interviews
    ADD COLUMN access_token_hash bytea UNIQUE,
    ADD COLUMN access_expires_at timestamptz;
