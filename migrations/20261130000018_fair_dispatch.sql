-- Per-organisation fairness (issue 12): with a cap configured for a kind
-- (TALENTI_ORG_CAP), a dispatcher hands each organisation at most that many
-- of the kind's jobs at a time (running or waiting in Redis), taking the
-- organisations in turn, so one tenant's 5,000 uploads cannot hold the
-- queue against another's 10. System jobs count as one tenant.

-- Dispatchable jobs by tenant: the distinct tenants with due jobs, and each
-- one's oldest, are read from here without a scan of the backlog.
CREATE INDEX jobs_dispatchable_tenant_idx
    ON jobs (kind, (COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)), run_at)
    WHERE status IN ('queued', 'failed') AND dispatched_at IS NULL;

-- A tenant's jobs in flight: handed to Redis and waiting, or running.
CREATE INDEX jobs_in_flight_tenant_idx
    ON jobs (kind, (COALESCE(organisation_id, '00000000-0000-0000-0000-000000000000'::uuid)))
    WHERE status = 'running' OR (status IN ('queued', 'failed') AND dispatched_at IS NOT NULL);
