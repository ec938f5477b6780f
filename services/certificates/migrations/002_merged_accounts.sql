-- Learner accounts the help desk merged into another (account.merged). Kept flat: surviving_id is always the account
-- that holds the records now, so one lookup resolves a learner even after a chain (A into B, later B into C).
CREATE TABLE merged_accounts (
    merged_id     uuid PRIMARY KEY,
    surviving_id  uuid NOT NULL,
    merged_at     timestamptz NOT NULL
);
CREATE INDEX merged_accounts_by_survivor ON merged_accounts (surviving_id);
