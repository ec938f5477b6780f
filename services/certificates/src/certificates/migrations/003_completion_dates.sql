-- The transcript lists and filters certificates by the date the activity was completed (credit.claimed completed_on).
-- Certificates issued before this column existed did not keep that date; the day they were issued (a claim is made
-- on or after completion, and the certificate follows it within moments) is the closest date on record.
ALTER TABLE certificates ADD COLUMN completed_on date;
UPDATE certificates SET completed_on = (issued_at AT TIME ZONE 'UTC')::date WHERE completed_on IS NULL;
ALTER TABLE certificates ALTER COLUMN completed_on SET NOT NULL;
CREATE INDEX certificates_by_learner_completion ON certificates (learner_id, completed_on);
