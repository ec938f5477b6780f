-- The office's reports count claims, and read their evaluations, by when they were claimed, over a period and
-- optionally for one activity (GET /office/reports/...): each reads a range of one of these indexes.
CREATE INDEX claims_by_time ON claims (claimed_at);
CREATE INDEX claims_by_activity_time ON claims (activity_id, claimed_at);
