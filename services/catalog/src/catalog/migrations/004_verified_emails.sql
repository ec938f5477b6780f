-- Verified addresses of learners, projected from identity's user.registered, profile.updated and email.verified.
-- Only verified ones: an address somebody typed but never proved may belong to someone else. `email` is normalised as
-- identity stores it (NFKC, trimmed, lower case). `learner_id` is the id the event named; a merged one is resolved to
-- its survivor through merged_accounts when used. `claimed_at` is the time of the event that gave the address to this
-- learner: an address moving between learners follows the newest event, whatever order they arrive in.
CREATE TABLE learner_emails (
    email       text PRIMARY KEY,
    learner_id  uuid NOT NULL,
    claimed_at  timestamptz NOT NULL
);
CREATE INDEX learner_emails_by_learner ON learner_emails (learner_id);

-- The newest profile version applied per learner: an older profile.updated arriving late changes nothing.
CREATE TABLE learner_profile_versions (
    learner_id  uuid PRIMARY KEY,
    version     bigint NOT NULL
);

-- Attendance staff recorded for an address no learner has verified yet. Attached (not deleted) once the address is
-- verified, so the help desk can see when and to whom.
CREATE TABLE pending_attendance (
    id           bigserial PRIMARY KEY,
    session_id   uuid NOT NULL REFERENCES sessions (id),
    email        text NOT NULL,
    recorded_by  uuid NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    attached_to  uuid,
    attached_at  timestamptz,
    CHECK ((attached_to IS NULL) = (attached_at IS NULL)),
    UNIQUE (session_id, email)
);
CREATE INDEX pending_attendance_waiting ON pending_attendance (email) WHERE attached_at IS NULL;
