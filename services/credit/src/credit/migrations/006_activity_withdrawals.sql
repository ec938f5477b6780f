-- The catalog may take an activity back out (catalog's README): unpublished (back to a draft, nobody registered or
-- attended; not claimable until published again) or cancelled (claimable only for attendance recorded, and for
-- self-paced material completed up to the day it was cancelled).
ALTER TABLE activities
    ADD COLUMN unpublished_at timestamptz,
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancellation_reason text;
