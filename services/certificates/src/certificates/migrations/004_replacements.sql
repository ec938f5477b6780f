-- BRIEF rule 9: a name change that took effect before a claim shows on that claim's certificate even when it arrives
-- after the certificate was issued. The issued certificate never changes: a replacement (new id, number and code) is
-- issued for the same claim and the old one points at it. To decide, a certificate records the claim it answers (who
-- claimed and when) and the profile version it was rendered from. Certificates issued before this migration did not
-- keep the claim time; they stay NULL here and are never replaced (their claim time cannot be recovered).
ALTER TABLE certificates ADD COLUMN claimant_id uuid;
ALTER TABLE certificates ADD COLUMN claimed_at timestamptz;
ALTER TABLE certificates ADD COLUMN profile_learner_id uuid;
ALTER TABLE certificates ADD COLUMN profile_version integer;
ALTER TABLE certificates ADD COLUMN replaces_certificate_id uuid REFERENCES certificates (id);
-- Deferred: the old certificate is marked before its replacement row exists (one current certificate per claim).
ALTER TABLE certificates ADD COLUMN superseded_by uuid REFERENCES certificates (id) DEFERRABLE INITIALLY DEFERRED;

-- A claim keeps every certificate ever issued for it, but only one current (not superseded) certificate.
ALTER TABLE certificates DROP CONSTRAINT certificates_claim_id_key;
CREATE UNIQUE INDEX certificates_current_by_claim ON certificates (claim_id) WHERE superseded_by IS NULL;
CREATE INDEX certificates_by_claimant ON certificates (claimant_id) WHERE superseded_by IS NULL;
