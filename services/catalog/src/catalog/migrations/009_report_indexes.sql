-- The office's reports count registrations by when they were made and attendance by when it was recorded, over a
-- period and optionally for one activity (GET /office/reports/...): each reads a range of one of these indexes.
CREATE INDEX registrations_by_time ON registrations (created_at);
CREATE INDEX registrations_by_activity_time ON registrations (activity_id, created_at);
CREATE INDEX attendance_by_time ON attendance (recorded_at);
CREATE INDEX sessions_by_activity ON sessions (activity_id);
