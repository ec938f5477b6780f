-- A published activity is cancelled by staff with a reason (POST /activities/{id}/cancel): it leaves the catalog, a
-- direct link shows it cancelled, and its live registrations are cancelled with it, each keeping the reason so the
-- learner's list of registrations says why. Unpublishing (back to a draft) changes only the status.
ALTER TABLE activities
    DROP CONSTRAINT activities_status_check,
    ADD CONSTRAINT activities_status_check CHECK (status IN ('draft', 'published', 'cancelled')),
    ADD COLUMN cancelled_at timestamptz,
    ADD COLUMN cancelled_by uuid,
    ADD COLUMN cancellation_reason text,
    ADD CONSTRAINT activities_cancelled_with_reason
        CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancellation_reason IS NOT NULL));
ALTER TABLE registrations ADD COLUMN cancellation_reason text;
