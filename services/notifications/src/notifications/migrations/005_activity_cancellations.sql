-- A registration cancelled because staff cancelled its activity (activity.cancelled) keeps the reason: its notice is
-- the activity's cancellation (activity_cancelled), whether the confirmation came before or after it.
ALTER TABLE registrations ADD COLUMN cancellation_reason text;
