-- Profile fields the sign-up form asks for that are not in the published LearnerProfile.
ALTER TABLE users
    ADD COLUMN organisation  text,
    ADD COLUMN phone         text,
    ADD COLUMN country       text,
    ADD COLUMN state         text,
    -- A merged account is disabled: it cannot sign in and points at the account that absorbed it.
    ADD COLUMN disabled_at   timestamptz,
    ADD COLUMN merged_into   uuid REFERENCES users (id);
CREATE INDEX users_by_last_name ON users (lower(last_name), lower(first_name));
CREATE INDEX users_by_npi ON users (npi) WHERE npi IS NOT NULL;
CREATE INDEX users_merged_into ON users (merged_into) WHERE merged_into IS NOT NULL;
CREATE INDEX user_emails_by_user ON user_emails (user_id);

-- A sign-in starts a session family; each refresh rotates its token. Reusing a rotated token revokes the family.
CREATE TABLE session_families (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,          -- absolute end, whatever the rotations
    revoked_at      timestamptz,
    revoke_reason   text,
    client_ip       text
);
CREATE INDEX session_families_live ON session_families (user_id) WHERE revoked_at IS NULL;

-- Refresh tokens are opaque, 256-bit random; only their SHA-256 is stored.
CREATE TABLE refresh_tokens (
    token_hash   bytea PRIMARY KEY,
    family_id    uuid NOT NULL REFERENCES session_families (id),
    issued_at    timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    rotated_at   timestamptz                         -- set when it was exchanged for its successor
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

-- Sliding-window throttling: one row per counted attempt (sign-in failures, reset requests) per scope and key.
CREATE TABLE throttle_hits (
    id      bigserial PRIMARY KEY,
    scope   text NOT NULL,
    key     text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX throttle_hits_window ON throttle_hits (scope, key, at);

-- A new signing key is published in the JWKS before it signs, so that every verifier can know it in time.
ALTER TABLE signing_keys ADD COLUMN activates_at timestamptz NOT NULL DEFAULT now();

-- Merges, audited: who merged which account into which, when and why, and what was combined.
CREATE TABLE account_merges (
    id                 uuid PRIMARY KEY,
    surviving_user_id  uuid NOT NULL REFERENCES users (id),
    merged_user_id     uuid NOT NULL UNIQUE REFERENCES users (id),
    actor_id           uuid NOT NULL,
    reason             text NOT NULL,
    detail             jsonb NOT NULL DEFAULT '{}',
    merged_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_merges_by_survivor ON account_merges (surviving_user_id);

CREATE INDEX security_events_by_kind ON security_events (kind, id);
CREATE INDEX one_time_tokens_by_user ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL;
