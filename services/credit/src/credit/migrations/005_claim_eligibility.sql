-- A learner's participation in an activity as the claim rules read it (domain.Participation), defined once for every
-- read of it: one activity (repository.participation), every activity of the claimable list, and a claim.
CREATE FUNCTION participation(learner uuid, activity uuid)
RETURNS TABLE (registered boolean, attended_on date, extension_until date)
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM registrations r
                   WHERE r.learner_id = learner AND r.activity_id = activity AND NOT r.cancelled),
           (SELECT max(t.attended_on) FROM attendance t WHERE t.learner_id = learner AND t.activity_id = activity),
           (SELECT e.until_date FROM claim_window_extensions e WHERE e.learner_id = learner AND e.activity_id = activity)
$$;

-- What a claim is decided on, in one round trip (repository.claim_context): the learner's lock, taken shared as
-- credit's writers take the kit's (opencme_kit.merges.lock_learner, the same key), then under it the account that owns
-- the learner's records (merges.owner_of's read of merged_accounts) and that account's participation.
--
-- A function, not one SELECT: a statement reads the snapshot taken when it started, so a SELECT that also took the lock
-- would read the map and the registrations as they were before a merge it waited for had committed, and the claim
-- would land on the merged account, left behind. A VOLATILE function takes a fresh snapshot for each statement in it:
-- what it reads after the lock includes everything committed while it waited. PL/pgSQL rather than SQL: it keeps its
-- plans for the session, where a SQL function is planned again at every call.
CREATE FUNCTION claim_eligibility(learner uuid, activity uuid)
RETURNS TABLE (owner_id uuid, registered boolean, attended_on date, extension_until date)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('opencme.learner:' || learner::text, 0));
    RETURN QUERY
        SELECT o.id, p.*
        FROM (SELECT coalesce((SELECT m.surviving_id FROM merged_accounts m WHERE m.merged_id = learner), learner) AS id) o
        CROSS JOIN LATERAL participation(o.id, activity) p;
END
$$;
