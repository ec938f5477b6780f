-- When a registration was cancelled and by whom: the learner themself or a staff member. An account merge cancels a
-- duplicate with no person behind it, so cancelled_by stays NULL then; rows cancelled by merges before this
-- migration keep both NULL.
ALTER TABLE registrations
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancelled_by uuid,
    ADD CONSTRAINT registrations_cancelled_when_cancelled CHECK (status = 'cancelled' OR cancelled_at IS NULL);
