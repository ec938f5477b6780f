-- The worker's submit loop sleeps until the next report falls due. A report queued (new, retried, sent again after a
-- profile fix) wakes it at once: the notice is delivered when the transaction commits, one per transaction.
CREATE FUNCTION notify_report_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('reports_queued', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER reports_queued_notice
    AFTER INSERT OR UPDATE OF status, next_attempt_at ON reports
    FOR EACH ROW WHEN (NEW.status = 'queued')
    EXECUTE FUNCTION notify_report_queued();
