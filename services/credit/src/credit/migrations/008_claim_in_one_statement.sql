-- A claim outside a transaction block (service.claim_credit's first try): one INSERT that is its own transaction, after
-- claim_eligibility was read in a statement of its own. Between the two, nothing but a merge can move the ground the
-- claim was decided on from under it (every other writer of a learner takes the lock shared, as a claim does), so the
-- INSERT takes the learner's id from this function: the learner's lock, shared (as claim_eligibility takes it), held
-- until the INSERT commits, and under it a fresh read (a VOLATILE function's statements each take a new snapshot) of
-- whether the learner has been merged since. If so, serialization_failure: nothing is written, and the caller decides
-- the claim again in a transaction, for the survivor.
CREATE FUNCTION unmerged_learner(learner uuid)
RETURNS uuid
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('opencme.learner:' || learner::text, 0));
    IF EXISTS (SELECT 1 FROM merged_accounts m WHERE m.merged_id = learner) THEN
        RAISE EXCEPTION 'learner % was merged into another account', learner USING ERRCODE = 'serialization_failure';
    END IF;
    RETURN learner;
END
$$;
