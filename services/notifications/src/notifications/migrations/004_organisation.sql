-- The organisation's settings as identity last published them (organisation.updated): one row at most. Until the
-- first event arrives there is none and the ORG_* variables answer. Only the highest revision is kept.
CREATE TABLE organisation (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    name           text NOT NULL,
    address        text NOT NULL,
    phone          text NOT NULL,
    support_email  text NOT NULL,
    brand_colour   text NOT NULL CHECK (brand_colour ~ '^#[0-9a-fA-F]{6}$'),  -- it goes into the emails' CSS
    revision       integer NOT NULL,
    updated_at     timestamptz NOT NULL
);
