-- The certifying boards we know. The list, the mode and the deadline are data (rule 10): the real list changes.
CREATE TABLE boards (
    code                      text PRIMARY KEY,
    name                      text NOT NULL,
    mode                      text NOT NULL CHECK (mode IN ('report', 'self_report')),
    deadline_days             integer CHECK (deadline_days > 0),
    self_report_instructions  text,
    CHECK (mode = 'self_report' OR deadline_days IS NOT NULL)
);
-- Activities and profiles spell codes their own way (catalog credit types are upper case: MOC_ABPATH).
CREATE UNIQUE INDEX boards_code_folded ON boards (upper(code));

-- The FAQ's policy: these boards get the completion from us within 60 days of the claim; ABS participants self-report.
INSERT INTO boards (code, name, mode, deadline_days, self_report_instructions) VALUES
    ('ABA',    'American Board of Anesthesiology',                           'report', 60, NULL),
    ('ABIM',   'American Board of Internal Medicine',                        'report', 60, NULL),
    ('ABO',    'American Board of Ophthalmology',                            'report', 60, NULL),
    ('ABOHNS', 'American Board of Otolaryngology - Head and Neck Surgery',   'report', 60, NULL),
    ('ABPath', 'American Board of Pathology',                                'report', 60, NULL),
    ('ABP',    'American Board of Pediatrics',                               'report', 60, NULL),
    ('ABS',    'American Board of Surgery',                                  'self_report', NULL,
     E'1. Sign in to your account on the American Board of Surgery website (www.absurgery.org).\n'
     '2. Open the CME reporting page of your continuous certification record and add this activity: its title, '
     'the date you completed it and the credits you claimed, exactly as your certificate shows them.\n'
     '3. Keep your certificate: the board may ask for it if your CME is audited.');

-- What identity told us about each learner; only the highest profile version is kept.
CREATE TABLE learners (
    id               uuid PRIMARY KEY,
    first_name       text NOT NULL,
    last_name        text NOT NULL,
    board_ids        jsonb NOT NULL DEFAULT '{}',
    birth_month      smallint CHECK (birth_month BETWEEN 1 AND 12),
    birth_day        smallint CHECK (birth_day BETWEEN 1 AND 31),
    profile_version  integer NOT NULL,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- One report per claim and board.
CREATE TABLE reports (
    id               uuid PRIMARY KEY,
    claim_id         uuid NOT NULL,
    learner_id       uuid NOT NULL,
    board_code       text NOT NULL REFERENCES boards (code),
    activity_id      uuid NOT NULL,
    activity_title   text NOT NULL,
    completed_on     date NOT NULL,
    claimed_at       timestamptz NOT NULL,
    credit_type      text,
    credits          numeric(6, 2),
    status           text NOT NULL CHECK (status IN ('held', 'queued', 'submitted', 'accepted', 'rejected',
                                                     'self_report', 'failed')),
    reason           text,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    last_error       text,
    due_by           date,
    record           jsonb,
    submission_id    uuid,
    board_report_id  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (claim_id, board_code)
);
CREATE INDEX reports_by_learner ON reports (learner_id, status);
-- The submitter's work list: queued reports, and submitted ones whose worker may have died mid-call.
CREATE INDEX reports_due ON reports (next_attempt_at) WHERE status IN ('queued', 'submitted');
