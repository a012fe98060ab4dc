-- Every change that can end a session, change what a user may do where, or
-- revoke an API key is announced on the `talenti_auth` channel when its
-- transaction commits, so every API process drops what it cached about it
-- (api/src/auth/cache.rs). Cascading deletes fire these too.

CREATE FUNCTION talenti_auth_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    row_ record;
BEGIN
    IF TG_OP = 'DELETE' THEN row_ := OLD; ELSE row_ := NEW; END IF;
    -- One branch per table: a statement naming another table's column is
    -- only planned when its branch runs.
    IF TG_TABLE_NAME = 'refresh_tokens' THEN
        PERFORM pg_notify('talenti_auth', 's:' || row_.family_id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('talenti_auth', 'u:' || row_.id::text);
    ELSIF TG_TABLE_NAME = 'memberships' THEN
        PERFORM pg_notify('talenti_auth', 'm:' || row_.user_id::text);
        IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
            PERFORM pg_notify('talenti_auth', 'm:' || OLD.user_id::text);
        END IF;
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('talenti_auth', 'k:' || row_.prefix);
        IF TG_OP = 'UPDATE' AND OLD.prefix <> NEW.prefix THEN
            PERFORM pg_notify('talenti_auth', 'k:' || OLD.prefix);
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- A login ends (logout, reuse of a refresh token, an account taken over).
CREATE TRIGGER refresh_tokens_auth_notify
    AFTER UPDATE OF revoked_at OR DELETE ON refresh_tokens
    FOR EACH ROW EXECUTE FUNCTION talenti_auth_notify();

-- Who a user is and what they may do platform-wide (USER_COLUMNS).
CREATE TRIGGER users_auth_notify
    AFTER UPDATE OF email, kind, platform_admin_granted_at, platform_viewer_granted_at,
                    email_verified_at OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION talenti_auth_notify();

-- Where a user is a member, and with which role.
CREATE TRIGGER memberships_auth_notify
    AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION talenti_auth_notify();

-- A key revoked, re-scoped or deleted.
CREATE TRIGGER api_keys_auth_notify
    AFTER UPDATE OF revoked_at, scopes, key_hash, organisation_id, prefix OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION talenti_auth_notify();
