-- Learner accounts the help desk merged into another (identity's account.merged). Kept flat: surviving_id is always
-- the account that holds the records now, so one lookup resolves an id even after a chain (A into B, later B into C).
-- IF NOT EXISTS: services that kept this table themselves before the kit did already hold it.
CREATE TABLE IF NOT EXISTS merged_accounts (
    merged_id     uuid PRIMARY KEY,
    surviving_id  uuid NOT NULL,
    merged_at     timestamptz NOT NULL,
    CHECK (merged_id <> surviving_id)
);
CREATE INDEX IF NOT EXISTS merged_accounts_by_survivor ON merged_accounts (surviving_id);
