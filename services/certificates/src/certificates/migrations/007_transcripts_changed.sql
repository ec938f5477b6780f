-- Learners whose transcript changed (a certificate issued, replaced, revoked or moved to them by a merge, or a new
-- profile version: the name it prints). The worker renders the transcript's body ahead once they have been quiet for a
-- while (transcripts_ahead.py), so that printing it finds it cached. A trigger, so that no writer can forget it; the
-- notice (one per transaction) wakes the worker.
CREATE TABLE transcripts_changed (
    learner_id  uuid PRIMARY KEY,
    changed_at  timestamptz NOT NULL
);

CREATE FUNCTION note_transcript_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO transcripts_changed (learner_id, changed_at) VALUES (NEW.learner_id, clock_timestamp())
        ON CONFLICT (learner_id) DO UPDATE SET changed_at = EXCLUDED.changed_at;
    PERFORM pg_notify('transcripts_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER certificate_changed_transcript
    AFTER INSERT OR UPDATE ON certificates
    FOR EACH ROW EXECUTE FUNCTION note_transcript_changed();

CREATE TRIGGER profile_changed_transcript
    AFTER INSERT ON profile_versions
    FOR EACH ROW EXECUTE FUNCTION note_transcript_changed();
