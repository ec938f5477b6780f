-- The office's report of board reports by board and status counts the reports of claims made in a period, optionally
-- for one activity (GET /office/reports/board-reports): it reads a range of one of these indexes.
CREATE INDEX reports_by_claim_time ON reports (claimed_at);
CREATE INDEX reports_by_activity_claim_time ON reports (activity_id, claimed_at);
