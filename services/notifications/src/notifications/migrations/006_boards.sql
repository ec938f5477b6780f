-- The certifying boards as board reporting's registry announces them (board.updated): the name the emails give a
-- board and, for self-reporting boards, the instructions. A board never announced is named from wording.py.
CREATE TABLE boards (
    code                      text PRIMARY KEY,
    name                      text NOT NULL,
    self_report_instructions  text,
    updated_at                timestamptz NOT NULL
);
