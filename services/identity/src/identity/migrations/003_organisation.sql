-- The organisation's settings as admins edit them (PUT /organisation): one row at most. Until the first save there is
-- none and the ORG_* variables answer. revision grows with every change; organisation.updated carries it.
CREATE TABLE organisation (
    id             boolean PRIMARY KEY DEFAULT true CHECK (id),
    name           text NOT NULL,
    address        text NOT NULL,
    phone          text NOT NULL,
    support_email  text NOT NULL,
    brand_colour   text NOT NULL CHECK (brand_colour ~ '^#[0-9a-f]{6}$'),
    revision       integer NOT NULL CHECK (revision >= 1),
    updated_at     timestamptz NOT NULL,
    updated_by     uuid NOT NULL
);
