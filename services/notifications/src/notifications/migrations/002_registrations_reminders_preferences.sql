-- A message that will not go out after all (its registration was cancelled, the credit was claimed, the learner opted
-- out of reminders) is 'cancelled', with the reason in last_error.
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('queued', 'waiting_for_recipient', 'sent', 'failed', 'cancelled'));

-- Registrations as registration.confirmed and registration.cancelled told us, in whatever order they arrive:
-- registration.cancelled names neither the activity's title nor the address, so the cancellation notice is composed
-- from what the confirmation said. A row made by a cancellation that overtook its confirmation has no facts yet.
CREATE TABLE registrations (
    registration_id     uuid PRIMARY KEY,
    learner_id          uuid NOT NULL,
    activity_id         uuid NOT NULL,
    email               text,
    facts               jsonb,          -- the confirmation's facts (title, dates, place, fee ...)
    confirmed_event_id  uuid,           -- the latest registration.confirmed: its email is the confirmation to resend
    cancelled_event_id  uuid,           -- the first registration.cancelled: its email is the one cancellation notice
    cancelled_at        timestamptz,
    CHECK ((email IS NULL) = (facts IS NULL) AND (facts IS NULL) = (confirmed_event_id IS NULL))
);
CREATE INDEX registrations_by_learner ON registrations (learner_id, activity_id);

-- Activities from activity.published: what the claim-window reminder needs. The newest publication wins.
CREATE TABLE activities (
    activity_id        uuid PRIMARY KEY,
    title              text NOT NULL,
    format             text NOT NULL,
    ends_at            timestamptz,
    claim_window_days  integer NOT NULL,
    published_at       timestamptz NOT NULL
);

-- A learner's part in an activity, from registration.confirmed, attendance.recorded and credit.claimed: enough to know
-- whose claim window is closing unclaimed. reminder_message_id: the one claim_window_closing email, once queued.
CREATE TABLE participations (
    learner_id           uuid NOT NULL,
    activity_id          uuid NOT NULL,
    attended_on          date,          -- the latest attendance recorded
    claimed_at           timestamptz,
    reminder_message_id  uuid REFERENCES messages (id),
    PRIMARY KEY (learner_id, activity_id)
);
CREATE INDEX participations_unreminded ON participations (activity_id)
    WHERE claimed_at IS NULL AND reminder_message_id IS NULL;

-- What each learner chose; no row means the defaults (reminders on). Transactional mail has no switch.
CREATE TABLE preferences (
    learner_id  uuid PRIMARY KEY,
    reminders   boolean NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
