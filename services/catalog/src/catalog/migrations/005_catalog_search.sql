-- The public catalog's search and its listing of current and upcoming, or past, activities (domain.py says what
-- each means). Derived columns, kept by PostgreSQL itself, so every filter and the word search has an index.

-- An activity's period: from its start (undated material: its publication) to the end of its availability, else of
-- its dates; NULL for undated material that never leaves the catalog.
ALTER TABLE activities
    ADD COLUMN period_start timestamptz GENERATED ALWAYS AS (coalesce(starts_at, published_at)) STORED,
    ADD COLUMN period_end timestamptz GENERATED ALWAYS AS (coalesce(available_until, ends_at, starts_at)) STORED,
    -- ["AMA_PRA_1", "MOC_ABIM"]: "designates any of these" is `credit_types ?| array[...]`.
    ADD COLUMN credit_types jsonb
        GENERATED ALWAYS AS (jsonb_path_query_array(credit_designations, '$[*].credit_type')) STORED,
    -- English stemming ("failures" finds "failure"); the title weighs most, then the description, then the place.
    ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', description), 'B')
        || setweight(to_tsvector('english', coalesce(location, '')), 'C')
    ) STORED;

CREATE INDEX activities_search ON activities USING gin (search);
CREATE INDEX activities_credit_types ON activities USING gin (credit_types);
-- Current (period_end >= now) or past (period_end < now), and a date range; the listing's order for current ones.
CREATE INDEX activities_listed_until ON activities (period_end) WHERE status = 'published';
CREATE INDEX activities_listed_from ON activities (period_start) WHERE status = 'published';
CREATE INDEX activities_listed_soonest ON activities (starts_at) WHERE status = 'published';

-- Staff read each session's code back with how many times it was used.
CREATE INDEX event_code_uses_by_code ON event_code_uses (code);
