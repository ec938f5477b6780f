-- Unpublishing (a published activity nobody registered for or attended, back to a draft) is done with a reason, kept
-- with the draft and shown on it until it is published again.
ALTER TABLE activities
    ADD COLUMN unpublished_at timestamptz,
    ADD COLUMN unpublished_by uuid,
    ADD COLUMN unpublish_reason text;
