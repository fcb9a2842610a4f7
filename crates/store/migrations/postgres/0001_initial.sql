-- fedgate store, PostgreSQL: the same tables as migrations/sqlite/0001_initial.sql.
-- Instants are whole seconds since the Unix epoch. Keys compared or ordered by the application
-- use COLLATE "C" (byte order), so that both backends list and paginate in the same order.

CREATE TABLE account (
    singleton           INTEGER PRIMARY KEY CHECK (singleton = 1),
    account_id          TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    admin_access_key_id TEXT    NOT NULL,
    admin_secret        BYTEA   NOT NULL,
    sealing_key         BYTEA   NOT NULL,
    created_at          BIGINT  NOT NULL
);

CREATE TABLE saml_providers (
    provider_id TEXT   PRIMARY KEY,
    name        TEXT   NOT NULL,
    name_key    TEXT   COLLATE "C" NOT NULL UNIQUE,
    metadata    TEXT   NOT NULL,
    valid_until BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE roles (
    role_id              TEXT   PRIMARY KEY,
    name                 TEXT   NOT NULL,
    name_key             TEXT   COLLATE "C" NOT NULL UNIQUE,
    path                 TEXT   COLLATE "C" NOT NULL,
    trust_policy         TEXT   NOT NULL,
    description          TEXT,
    max_session_duration BIGINT NOT NULL,
    created_at           BIGINT NOT NULL
);

CREATE TABLE role_policies (
    role_id     TEXT NOT NULL REFERENCES roles (role_id),
    policy_name TEXT COLLATE "C" NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (role_id, policy_name)
);

CREATE TABLE managed_policies (
    policy_id       TEXT   PRIMARY KEY,
    name            TEXT   NOT NULL,
    name_key        TEXT   COLLATE "C" NOT NULL UNIQUE,
    path            TEXT   COLLATE "C" NOT NULL,
    description     TEXT,
    default_version TEXT   NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE TABLE policy_versions (
    policy_id  TEXT   NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    version_id TEXT   NOT NULL,
    document   TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

CREATE TABLE role_policy_attachments (
    role_id   TEXT NOT NULL REFERENCES roles (role_id),
    policy_id TEXT NOT NULL REFERENCES managed_policies (policy_id),
    PRIMARY KEY (role_id, policy_id)
);
CREATE INDEX role_policy_attachments_by_policy ON role_policy_attachments (policy_id);

-- Tags of every taggable resource, by the resource's unique, never reused id.
CREATE TABLE tags (
    resource_id TEXT NOT NULL,
    tag_key     TEXT COLLATE "C" NOT NULL,
    tag_value   TEXT NOT NULL,
    PRIMARY KEY (resource_id, tag_key)
);

-- The SAML replay cache: one row per accepted assertion, kept until it can no longer be accepted.
CREATE TABLE saml_assertions (
    issuer       TEXT   NOT NULL,
    assertion_id TEXT   NOT NULL,
    expires_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, assertion_id)
);
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (expires_at);

CREATE TABLE sessions (
    session_id TEXT   PRIMARY KEY,
    kind       TEXT   NOT NULL CHECK (kind IN ('console', 'instance')),
    subject    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_subject ON sessions (subject);

CREATE TABLE one_time_tokens (
    token_id   TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX one_time_tokens_by_expiry ON one_time_tokens (expires_at);

CREATE TABLE audit_events (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         BIGINT NOT NULL,
    request_id TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    outcome    TEXT   NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail     TEXT   NOT NULL
);
