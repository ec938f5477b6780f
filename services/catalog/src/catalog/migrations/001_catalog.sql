CREATE TABLE activities (
    id                      uuid PRIMARY KEY,
    title                   text NOT NULL,
    format                  text NOT NULL,
    description             text NOT NULL DEFAULT '',
    starts_at               timestamptz,
    ends_at                 timestamptz,
    location                text,
    available_until         timestamptz,
    capacity                integer CHECK (capacity IS NULL OR capacity > 0),
    registration_opens_at   timestamptz,
    registration_closes_at  timestamptz,
    fees                    jsonb NOT NULL DEFAULT '{}',
    credit_designations     jsonb NOT NULL,
    claim_window_days       integer NOT NULL DEFAULT 30 CHECK (claim_window_days > 0),
    moc_boards              text[] NOT NULL DEFAULT '{}',
    requires_event_code     boolean NOT NULL DEFAULT false,
    status                  text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published')),
    created_by              uuid NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    published_at            timestamptz
);
CREATE INDEX activities_catalog ON activities (status, format, starts_at);

CREATE SEQUENCE registration_numbers START 1000;

CREATE TABLE registrations (
    id                 uuid PRIMARY KEY,
    number             text NOT NULL UNIQUE,
    activity_id        uuid NOT NULL REFERENCES activities (id),
    learner_id         uuid NOT NULL,
    email              text NOT NULL,
    attendee_category  text NOT NULL,
    fee_cents          integer NOT NULL CHECK (fee_cents >= 0),
    payment_status     text NOT NULL,
    status             text NOT NULL DEFAULT 'confirmed' CHECK (status IN ('confirmed', 'cancelled')),
    created_at         timestamptz NOT NULL DEFAULT now()
);
-- One live registration per learner and activity; a cancelled one does not block registering again.
CREATE UNIQUE INDEX registrations_one_live ON registrations (activity_id, learner_id) WHERE status = 'confirmed';
CREATE INDEX registrations_by_learner ON registrations (learner_id);

CREATE TABLE sessions (
    id           uuid PRIMARY KEY,
    activity_id  uuid NOT NULL REFERENCES activities (id),
    title        text NOT NULL,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL CHECK (ends_at > starts_at)
);

CREATE TABLE event_codes (
    code         text PRIMARY KEY,
    session_id   uuid NOT NULL UNIQUE REFERENCES sessions (id),
    valid_from   timestamptz NOT NULL,
    valid_until  timestamptz NOT NULL CHECK (valid_until > valid_from),
    created_by   uuid NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- Every use of a code is recorded, accepted or not, for the help desk.
CREATE TABLE event_code_uses (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL,
    learner_id  uuid NOT NULL,
    accepted    boolean NOT NULL,
    reason      text,
    used_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE attendance (
    session_id   uuid NOT NULL REFERENCES sessions (id),
    learner_id   uuid NOT NULL,
    method       text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, learner_id)
);
