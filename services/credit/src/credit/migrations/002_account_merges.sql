-- (merged_accounts is the kit's: opencme_kit/migrations/merged_accounts, applied before this file.)
-- A merge can leave one person with two claims for the same activity; the merged account's one is revoked, not
-- deleted, so support can still see it. `merged_from` is the account a moved claim was made under.
ALTER TABLE claims
    ADD COLUMN revoked_at      timestamptz,
    ADD COLUMN revoked_reason  text,
    ADD COLUMN merged_from     uuid;
ALTER TABLE claims DROP CONSTRAINT claims_learner_id_activity_id_key;
CREATE UNIQUE INDEX claims_one_standing_per_activity ON claims (learner_id, activity_id) WHERE revoked_at IS NULL;
