-- Who to write to: the learner's first name and primary email, from user.registered and profile.updated.
-- Only the highest profile version seen is kept, whatever order the events arrive in.
CREATE TABLE recipients (
    learner_id       uuid PRIMARY KEY,
    first_name       text NOT NULL,
    email            text NOT NULL,
    profile_version  integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- What certificate.issued told us about a claim, so that board-report emails can name the activity and link the
-- certificate (board_report.status_changed carries neither).
CREATE TABLE claims (
    claim_id        uuid PRIMARY KEY,
    learner_id      uuid NOT NULL,
    activity_title  text NOT NULL,
    certificate_id  uuid NOT NULL
);

-- The delivery log and the send queue in one: a row per email. An email caused by an event is unique per
-- (event, kind), so a redelivered event never sends twice; a resend is a new row pointing at the original.
CREATE TABLE messages (
    id               uuid PRIMARY KEY,
    cause_event_id   uuid,
    resend_of        uuid REFERENCES messages (id),
    requested_by     uuid,
    kind             text NOT NULL,
    learner_id       uuid,
    to_address       text,
    subject          text,
    content          bytea,         -- the RFC 5322 message exactly as it goes over SMTP (while it may be sent)
    facts            jsonb NOT NULL, -- what the email says, from the event: kept to compose it later and to resend it
    status           text NOT NULL CHECK (status IN ('queued', 'waiting_for_recipient', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz,   -- not worth sending after this (a password reset link that has expired)
    last_error       text,          -- the SMTP answer (or connection error) of the last failed attempt
    smtp_reply       text,          -- the server's answer when it accepted the message
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (cause_event_id, kind),
    CHECK ((cause_event_id IS NULL) <> (resend_of IS NULL)),
    CHECK (status NOT IN ('queued', 'sent') OR (to_address IS NOT NULL AND subject IS NOT NULL)),
    -- Content is dropped once it has been sent when it holds a secret (a password reset link).
    CHECK (status <> 'queued' OR content IS NOT NULL),
    CHECK (status <> 'waiting_for_recipient' OR learner_id IS NOT NULL)
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_waiting ON messages (learner_id) WHERE status = 'waiting_for_recipient';
CREATE INDEX messages_by_learner ON messages (learner_id, created_at DESC);
CREATE INDEX messages_by_address ON messages (lower(to_address), created_at DESC);
