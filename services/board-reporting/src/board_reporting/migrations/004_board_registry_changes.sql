-- Admins edit the board registry in the portal (POST /boards, PATCH /boards/{code}); every change is kept: who, when,
-- and the board before and after (NULL before: added). A change applies to claims from then on: reports already
-- opened keep the deadline they were given.
CREATE TABLE board_changes (
    id          bigserial PRIMARY KEY,
    board_code  text NOT NULL REFERENCES boards (code),
    changed_by  uuid NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    before      jsonb,
    after       jsonb NOT NULL
);
CREATE INDEX board_changes_by_board ON board_changes (board_code, changed_at);
