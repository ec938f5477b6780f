-- (merged_accounts is the kit's: opencme_kit/migrations/merged_accounts, applied before this file.)
-- A merge moves every row of a learner; without these it would scan the whole tables.
CREATE INDEX attendance_by_learner ON attendance (learner_id);
CREATE INDEX event_code_uses_by_learner ON event_code_uses (learner_id);
