-- fedgate store, PostgreSQL: contact-center instances, their security and routing profiles, users.
-- Everything in an instance refers to it with ON DELETE CASCADE (deleting an instance deletes
-- its contents); a user's profiles are referenced together with the instance id, so that the
-- database itself refuses a profile of another instance.

CREATE TABLE connect_instances (
    instance_id         TEXT    PRIMARY KEY,
    alias               TEXT    NOT NULL,
    alias_key           TEXT    COLLATE "C" NOT NULL UNIQUE,
    identity_management TEXT    NOT NULL CHECK (identity_management IN ('SAML', 'CONNECT_MANAGED')),
    inbound_calls       BIGINT  NOT NULL CHECK (inbound_calls IN (0, 1)),
    outbound_calls      BIGINT  NOT NULL CHECK (outbound_calls IN (0, 1)),
    client_token        TEXT    UNIQUE,
    created_at          BIGINT  NOT NULL
);

CREATE TABLE security_profiles (
    instance_id TEXT NOT NULL REFERENCES connect_instances (instance_id) ON DELETE CASCADE,
    profile_id  TEXT NOT NULL UNIQUE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT,
    PRIMARY KEY (instance_id, profile_id),
    UNIQUE (instance_id, name)
);

CREATE TABLE security_profile_permissions (
    profile_id TEXT NOT NULL REFERENCES security_profiles (profile_id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (profile_id, permission)
);

CREATE TABLE routing_profiles (
    instance_id TEXT NOT NULL REFERENCES connect_instances (instance_id) ON DELETE CASCADE,
    profile_id  TEXT NOT NULL UNIQUE,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL,
    PRIMARY KEY (instance_id, profile_id),
    UNIQUE (instance_id, name)
);

CREATE TABLE connect_users (
    instance_id        TEXT    NOT NULL REFERENCES connect_instances (instance_id) ON DELETE CASCADE,
    user_id            TEXT    NOT NULL UNIQUE,
    username           TEXT    COLLATE "C" NOT NULL,
    first_name         TEXT    NOT NULL,
    last_name          TEXT    NOT NULL,
    phone_type         TEXT    NOT NULL CHECK (phone_type IN ('SOFT_PHONE', 'DESK_PHONE')),
    auto_accept        BIGINT  NOT NULL CHECK (auto_accept IN (0, 1)),
    after_contact_work BIGINT  NOT NULL,
    desk_phone_number  TEXT,
    routing_profile_id TEXT    NOT NULL,
    updated_at         BIGINT  NOT NULL,
    -- The agent's status in the contact control panel, and when it last changed.
    agent_status       TEXT    NOT NULL DEFAULT 'OFFLINE' CHECK (agent_status IN ('AVAILABLE', 'OFFLINE')),
    agent_status_at    BIGINT ,
    PRIMARY KEY (instance_id, user_id),
    UNIQUE (instance_id, username),
    FOREIGN KEY (instance_id, routing_profile_id) REFERENCES routing_profiles (instance_id, profile_id)
);
CREATE INDEX connect_users_by_routing_profile ON connect_users (instance_id, routing_profile_id);

CREATE TABLE connect_user_security_profiles (
    instance_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    profile_id  TEXT NOT NULL,
    PRIMARY KEY (user_id, profile_id),
    FOREIGN KEY (instance_id, user_id) REFERENCES connect_users (instance_id, user_id) ON DELETE CASCADE,
    FOREIGN KEY (instance_id, profile_id) REFERENCES security_profiles (instance_id, profile_id)
);
CREATE INDEX connect_user_security_profiles_by_profile
    ON connect_user_security_profiles (instance_id, profile_id);
