-- Learner ids merged into another account, kept flat (merged_id -> final survivor) so one lookup resolves a chain.
CREATE TABLE merged_accounts (
    merged_id     uuid PRIMARY KEY,
    surviving_id  uuid NOT NULL,
    merged_at     timestamptz NOT NULL,
    CHECK (merged_id <> surviving_id)
);
CREATE INDEX merged_accounts_by_survivor ON merged_accounts (surviving_id);

-- A merge moves every row of a learner; without these it would scan the whole tables.
CREATE INDEX attendance_by_learner ON attendance (learner_id);
CREATE INDEX event_code_uses_by_learner ON event_code_uses (learner_id);
