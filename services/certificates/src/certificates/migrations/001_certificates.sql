-- Every profile version the service has seen, so a certificate shows the name in effect when credit was claimed.
CREATE TABLE profile_versions (
    learner_id    uuid NOT NULL,
    version       integer NOT NULL,
    effective_at  timestamptz NOT NULL,
    first_name    text NOT NULL,
    middle_name   text,
    last_name     text NOT NULL,
    suffix        text,
    degree        text,
    PRIMARY KEY (learner_id, version)
);

-- Claims waiting for the learner's profile (events of different topics arrive in any order).
CREATE TABLE pending_claims (
    claim_id     uuid PRIMARY KEY,
    learner_id   uuid NOT NULL,
    claim        jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_claims_by_learner ON pending_claims (learner_id);

CREATE SEQUENCE certificate_numbers START 1;

-- Frozen when issued: the content and the PDF never change afterwards.
CREATE TABLE certificates (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    verification_code  text NOT NULL UNIQUE,
    claim_id           uuid NOT NULL UNIQUE,
    learner_id         uuid NOT NULL,
    activity_id        uuid NOT NULL,
    content            jsonb NOT NULL,
    pdf                bytea NOT NULL,
    issued_at          timestamptz NOT NULL,
    revoked_at         timestamptz,
    revoked_reason     text
);
CREATE INDEX certificates_by_learner ON certificates (learner_id, issued_at);
