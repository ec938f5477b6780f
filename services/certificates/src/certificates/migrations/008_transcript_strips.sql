-- The rows of learners' transcripts, drawn once as strips (transcript_pages.py): a sheet is a PDF with a strip per
-- page, `rows` the digest of each strip's row (its content and the templates) and `heights` each strip's height in
-- points. A print takes the strips of its rows from the learner's sheets and draws only its header, headings and
-- totals, so printing any period on any day takes a fraction of a second. The worker draws the rows of changed
-- transcripts ahead (transcripts_ahead.py); a print draws the few it finds missing and keeps them too.
CREATE TABLE transcript_strips (
    learner_id   uuid NOT NULL,
    sheet        bigint GENERATED ALWAYS AS IDENTITY,
    rows         bytea[] NOT NULL,
    heights      float8[] NOT NULL,
    pdf          bytea NOT NULL,
    rendered_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (learner_id, sheet),
    CHECK (cardinality(rows) = cardinality(heights))
);

-- Transcripts are no longer drawn as a body with the day stamped over it: the bodies kept until now are never read
-- again, nor is anything printed by the old templates (every fingerprint covers the templates).
DELETE FROM transcript_cache;

-- Every learner's rows are drawn ahead once, oldest change first, as if their transcript had just changed: their
-- first print after this is then a fraction of a second too, not the seconds of drawing every row.
INSERT INTO transcripts_changed (learner_id, changed_at)
    SELECT learner_id, min(issued_at) FROM certificates GROUP BY learner_id
    ON CONFLICT (learner_id) DO NOTHING;
