-- (merged_accounts is the kit's: opencme_kit/migrations/merged_accounts, applied before this file.)
CREATE INDEX claims_by_learner ON claims (learner_id);
