CREATE TABLE users (
    id               uuid PRIMARY KEY,
    password_hash    text NOT NULL,
    first_name       text NOT NULL,
    middle_name      text,
    last_name        text NOT NULL,
    suffix           text,
    degree           text,
    profession       text,
    specialty        text,
    npi              text,
    board_ids        jsonb NOT NULL DEFAULT '{}',
    birth_month      smallint CHECK (birth_month BETWEEN 1 AND 12),
    birth_day        smallint CHECK (birth_day BETWEEN 1 AND 31),
    roles            text[] NOT NULL DEFAULT '{learner}',
    profile_version  integer NOT NULL DEFAULT 1,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Emails are stored normalised (NFKC, lower case) and are unique across all accounts.
CREATE TABLE user_emails (
    email        text PRIMARY KEY,
    user_id      uuid NOT NULL REFERENCES users (id),
    is_primary   boolean NOT NULL DEFAULT false,
    verified_at  timestamptz,
    added_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX user_emails_one_primary ON user_emails (user_id) WHERE is_primary;

-- Single-use tokens (password reset, email verification) are stored as SHA-256 hashes only.
CREATE TABLE one_time_tokens (
    token_hash   bytea PRIMARY KEY,
    purpose      text NOT NULL CHECK (purpose IN ('password_reset', 'verify_email')),
    user_id      uuid NOT NULL REFERENCES users (id),
    email        text NOT NULL,
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- ES256 signing keys; the newest active key signs, every unretired key is published in the JWKS.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_pem  text NOT NULL,
    public_jwk   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

CREATE TABLE security_events (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    user_id     uuid,
    actor_id    uuid,
    email       text,
    client_ip   text,
    detail      jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX security_events_by_user ON security_events (user_id, at);
