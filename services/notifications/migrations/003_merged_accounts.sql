-- Learner accounts the help desk merged (account.merged), kept flat: every merged id points at the account that
-- survives now, so one lookup attributes a late event about a merged learner to the survivor, even along a chain.
CREATE TABLE merged_accounts (
    merged_id     uuid PRIMARY KEY,
    surviving_id  uuid NOT NULL,
    merged_at     timestamptz NOT NULL
);
CREATE INDEX merged_accounts_by_survivor ON merged_accounts (surviving_id);
CREATE INDEX claims_by_learner ON claims (learner_id);
