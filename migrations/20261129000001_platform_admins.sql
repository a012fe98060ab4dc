-- Platform admins are no longer made by typing an email address at sign-up.
--
-- Before this migration sign-up and log-in set `is_platform_admin` for any
-- account whose email was in TALENTI_PLATFORM_ADMIN_EMAILS, without proof
-- that the caller owned the address, and nothing ever cleared it. None of
-- those flags can be trusted, so they are dropped: an operator grants admin
-- again with `api platform-admin grant EMAIL` (audited), or the configured
-- list applies to an account whose email ownership is verified.

ALTER TABLE users DROP COLUMN is_platform_admin;

-- Set by `api platform-admin grant`, cleared by `revoke`.
ALTER TABLE users ADD COLUMN platform_admin_granted_at timestamptz;

-- When the account's owner proved they receive mail at `email` (an identity
-- provider's token with `email_verified: true`, or a verification mail).
-- Only a verified email counts for TALENTI_PLATFORM_ADMIN_EMAILS.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
