-- Staff may give a session a new event code (POST /sessions/{id}/code): the old one is retired, not deleted, so the
-- help desk's log of its uses (event_code_uses, by code) still leads to its session, and the primary key keeps a
-- retired code from ever being handed out again. A session has one live code at a time.
ALTER TABLE event_codes
    DROP CONSTRAINT event_codes_session_id_key,
    ADD COLUMN retired_at timestamptz;
CREATE UNIQUE INDEX event_codes_one_live ON event_codes (session_id) WHERE retired_at IS NULL;
