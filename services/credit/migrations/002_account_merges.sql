-- Account merges (identity's account.merged): where each merged learner's records now live. Kept flat: a merged id
-- always points at the final survivor, so one lookup resolves it.
CREATE TABLE merged_accounts (
    merged_id     uuid PRIMARY KEY,
    surviving_id  uuid NOT NULL,
    merged_at     timestamptz NOT NULL
);
CREATE INDEX merged_accounts_by_survivor ON merged_accounts (surviving_id);

-- A merge can leave one person with two claims for the same activity; the merged account's one is revoked, not
-- deleted, so support can still see it. `merged_from` is the account a moved claim was made under.
ALTER TABLE claims
    ADD COLUMN revoked_at      timestamptz,
    ADD COLUMN revoked_reason  text,
    ADD COLUMN merged_from     uuid;
ALTER TABLE claims DROP CONSTRAINT claims_learner_id_activity_id_key;
CREATE UNIQUE INDEX claims_one_standing_per_activity ON claims (learner_id, activity_id) WHERE revoked_at IS NULL;
