-- Answers to commands sent with an Idempotency-Key header (opencme_kit.idempotency), so that a client that sends a
-- command again (a timeout, a dropped connection, a double tap) gets the first answer instead of a second effect. A key
-- is written in the transaction of the effect it answers: both are there, or neither. Kept a day.
CREATE TABLE idempotency_keys (
    caller       uuid NOT NULL,   -- whose key: two callers' keys never meet
    key          text NOT NULL,
    operation    text NOT NULL,   -- what the key was used for, e.g. "POST /claims"
    fingerprint  bytea NOT NULL,  -- digest of the request, to refuse the key for a different one
    answer       jsonb,           -- the answer's body, once the effect is done
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
