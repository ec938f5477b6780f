-- Support corrects a claim by revoking it and inserting the corrected claim (rule 7); the new claim links back to the
-- one it replaces and records who corrected it. The correction's reason is in the old claim's `revoked_reason`.
-- A claim is corrected at most once: a second correction of the same claim would be a fork, not a chain.
ALTER TABLE claims
    ADD COLUMN corrects_claim_id  uuid REFERENCES claims (id),
    ADD COLUMN corrected_by       uuid;
CREATE UNIQUE INDEX claims_corrects_once ON claims (corrects_claim_id) WHERE corrects_claim_id IS NOT NULL;
