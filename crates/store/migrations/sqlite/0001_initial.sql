-- fedgate store, SQLite: the account, IAM, replay cache, sessions, one-time tokens, audit.
-- Instants are whole seconds since the Unix epoch. Names unique in the account are unique by
-- name_key, their ASCII-lowercased form, computed by the application. STRICT: types enforced.

CREATE TABLE account (
    singleton           INTEGER PRIMARY KEY CHECK (singleton = 1),
    account_id          TEXT    NOT NULL,
    region              TEXT    NOT NULL,
    admin_access_key_id TEXT    NOT NULL,
    admin_secret        BLOB    NOT NULL,
    sealing_key         BLOB    NOT NULL,
    created_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE saml_providers (
    provider_id TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL UNIQUE,
    metadata    TEXT    NOT NULL,
    valid_until INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE roles (
    role_id              TEXT    PRIMARY KEY,
    name                 TEXT    NOT NULL,
    name_key             TEXT    NOT NULL UNIQUE,
    path                 TEXT    NOT NULL,
    trust_policy         TEXT    NOT NULL,
    description          TEXT,
    max_session_duration INTEGER NOT NULL,
    created_at           INTEGER NOT NULL
) STRICT;

CREATE TABLE role_policies (
    role_id     TEXT NOT NULL REFERENCES roles (role_id),
    policy_name TEXT NOT NULL,
    document    TEXT NOT NULL,
    PRIMARY KEY (role_id, policy_name)
) STRICT;

CREATE TABLE managed_policies (
    policy_id       TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL UNIQUE,
    path            TEXT    NOT NULL,
    description     TEXT,
    default_version TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE TABLE policy_versions (
    policy_id  TEXT    NOT NULL REFERENCES managed_policies (policy_id) ON DELETE CASCADE,
    version_id TEXT    NOT NULL,
    document   TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version_id)
) STRICT;

CREATE TABLE role_policy_attachments (
    role_id   TEXT NOT NULL REFERENCES roles (role_id),
    policy_id TEXT NOT NULL REFERENCES managed_policies (policy_id),
    PRIMARY KEY (role_id, policy_id)
) STRICT;
CREATE INDEX role_policy_attachments_by_policy ON role_policy_attachments (policy_id);

-- Tags of every taggable resource, by the resource's unique, never reused id.
CREATE TABLE tags (
    resource_id TEXT NOT NULL,
    tag_key     TEXT NOT NULL,
    tag_value   TEXT NOT NULL,
    PRIMARY KEY (resource_id, tag_key)
) STRICT;

-- The SAML replay cache: one row per accepted assertion, kept until it can no longer be accepted.
CREATE TABLE saml_assertions (
    issuer       TEXT    NOT NULL,
    assertion_id TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (issuer, assertion_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (expires_at);

CREATE TABLE sessions (
    session_id TEXT    PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('console', 'instance')),
    subject    TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_subject ON sessions (subject);

CREATE TABLE one_time_tokens (
    token_id   TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX one_time_tokens_by_expiry ON one_time_tokens (expires_at);

-- AUTOINCREMENT: sequence numbers are never reused, even after the newest row is deleted.
CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at         INTEGER NOT NULL,
    request_id TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    outcome    TEXT    NOT NULL CHECK (outcome IN ('success', 'failure')),
    detail     TEXT    NOT NULL
) STRICT;
