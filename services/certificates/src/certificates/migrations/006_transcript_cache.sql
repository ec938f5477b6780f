-- Transcript PDFs as rendered, keyed by everything they show. A learner with hundreds of certificates waits seconds
-- for the table to be laid out, and prints the same transcript again and again (for a board, an employer, a license
-- renewal). The key is a digest of the document and of the templates that drew it, so a new certificate, another
-- name, another period or another printing day is simply another key: nothing has to be invalidated. A few of the
-- newest are kept per learner; a merge drops the merged account's.
CREATE TABLE transcript_cache (
    learner_id   uuid NOT NULL,
    fingerprint  bytea NOT NULL,
    pdf          bytea NOT NULL,
    rendered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (learner_id, fingerprint)
);
