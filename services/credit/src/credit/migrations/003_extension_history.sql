-- `claim_window_extensions` holds the extension in force (re-granting replaces it). Every grant and withdrawal is also
-- kept here, so support can still tell who changed a learner's deadline, when and why after it was replaced or removed.
CREATE TABLE claim_window_extension_history (
    id           bigserial PRIMARY KEY,
    learner_id   uuid NOT NULL,
    activity_id  uuid NOT NULL,
    action       text NOT NULL CHECK (action IN ('granted', 'withdrawn')),
    until_date   date NOT NULL,
    reason       text NOT NULL,
    acted_by     uuid NOT NULL,
    acted_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX claim_window_extension_history_by_learner ON claim_window_extension_history (learner_id, activity_id);
