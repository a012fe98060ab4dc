-- Read-only platform operators (issue 12): they see every organisation's
-- jobs, queues and schedules (the dashboard, the queue API) and change
-- nothing. Granted like admins, by an operator against the database
-- (`api platform-admin grant --read-only EMAIL`), audited.
ALTER TABLE users ADD COLUMN platform_viewer_granted_at timestamptz;
