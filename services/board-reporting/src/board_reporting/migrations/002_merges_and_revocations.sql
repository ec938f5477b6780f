-- (merged_accounts is the kit's: opencme_kit/migrations/merged_accounts, applied before this file.)
-- Claims the credit service revoked. Remembered apart from reports so that a revocation seen before its claim still
-- keeps the claim from being reported.
CREATE TABLE revoked_claims (
    claim_id    uuid PRIMARY KEY,
    learner_id  uuid NOT NULL,
    revoked_at  timestamptz NOT NULL,
    reason      text NOT NULL
);

-- withdrawn: the claim was revoked before the board recorded it; final, never sent.
ALTER TABLE reports DROP CONSTRAINT reports_status_check;
ALTER TABLE reports ADD CONSTRAINT reports_status_check
    CHECK (status IN ('held', 'queued', 'submitted', 'accepted', 'rejected', 'self_report', 'failed', 'withdrawn'));

-- Set on every report of a revoked claim; on a submitted or accepted one it tells support the board needs a correction.
ALTER TABLE reports ADD COLUMN revoked_at timestamptz;
ALTER TABLE reports ADD COLUMN revoked_reason text;
-- The account a report was opened for, when a merge moved it to the survivor (the first one, along a chain).
ALTER TABLE reports ADD COLUMN merged_from uuid;
