-- Claims accepted for issuing. The credit.claimed handler records the claim here, in its inbox transaction, and
-- returns; the worker's issuer (issuing.py) renders the certificate outside any transaction, in a process pool, and
-- stores it with its certificate.issued in one short transaction that also deletes the row. A row whose render keeps
-- failing stays, with failed_at and the error, until someone re-queues it (failed_at = NULL): never lost.
CREATE TABLE issue_queue (
    claim_id        uuid PRIMARY KEY,
    claim           jsonb NOT NULL,
    correlation_id  text,
    queued_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts        integer NOT NULL DEFAULT 0,
    -- An issuer that takes a row leases it until then; past it (the issuer died, or a retry's wait is over) the row
    -- is taken again.
    leased_until    timestamptz NOT NULL DEFAULT '-infinity',
    failed_at       timestamptz,
    error           text
);
CREATE INDEX issue_queue_ready ON issue_queue (queued_at) WHERE failed_at IS NULL;
