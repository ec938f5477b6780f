-- Projections of catalog events: what this service knows about activities, registrations and attendance.
CREATE TABLE activities (
    id                   uuid PRIMARY KEY,
    title                text NOT NULL,
    format               text NOT NULL,
    starts_at            timestamptz,
    ends_at              timestamptz,
    location             text,
    provider_name        text NOT NULL,
    designations         jsonb NOT NULL,
    claim_window_days    integer NOT NULL,
    available_until      timestamptz,
    moc_boards           text[] NOT NULL DEFAULT '{}',
    requires_event_code  boolean NOT NULL DEFAULT false,
    published_at         timestamptz NOT NULL
);

CREATE TABLE registrations (
    id           uuid PRIMARY KEY,
    learner_id   uuid NOT NULL,
    activity_id  uuid NOT NULL,
    email        text NOT NULL,
    cancelled    boolean NOT NULL DEFAULT false
);
CREATE INDEX registrations_by_learner ON registrations (learner_id, activity_id);

CREATE TABLE attendance (
    learner_id   uuid NOT NULL,
    activity_id  uuid NOT NULL,
    session_id   uuid,
    attended_on  date NOT NULL,
    PRIMARY KEY (learner_id, activity_id, attended_on)
);

-- The service's own data.
CREATE TABLE claims (
    id                uuid PRIMARY KEY,
    learner_id        uuid NOT NULL,
    activity_id       uuid NOT NULL REFERENCES activities (id),
    credits           jsonb NOT NULL,
    evaluation        jsonb NOT NULL,
    completed_on      date NOT NULL,
    claimed_at        timestamptz NOT NULL,
    moc_boards        text[] NOT NULL DEFAULT '{}',
    share_permission  boolean NOT NULL DEFAULT false,
    UNIQUE (learner_id, activity_id)
);
CREATE INDEX claims_by_learner ON claims (learner_id, completed_on);

-- Support may extend one learner's claim window for one activity, with a reason.
CREATE TABLE claim_window_extensions (
    learner_id   uuid NOT NULL,
    activity_id  uuid NOT NULL,
    until_date   date NOT NULL,
    reason       text NOT NULL,
    granted_by   uuid NOT NULL,
    granted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, activity_id)
);
