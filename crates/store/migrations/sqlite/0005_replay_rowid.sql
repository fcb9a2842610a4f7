-- The replay caches (used SAML assertions, redeemed one-time tokens) become rowid tables. As
-- WITHOUT ROWID tables the rows lived in their key's order, and so did the expiry index's
-- entries within one second: every insert changed a page at a random place in each, two WAL
-- frames per sign-in. Now the rows and the expiry index grow at their ends, rowid after rowid,
-- and only the key's unique index takes a random page. The keys and their conflicts are those
-- of before.
CREATE TABLE saml_assertions_by_rowid (
    issuer       TEXT    NOT NULL,
    assertion_id TEXT    NOT NULL,
    expires_at   INTEGER NOT NULL,
    PRIMARY KEY (issuer, assertion_id)
) STRICT;
INSERT INTO saml_assertions_by_rowid (issuer, assertion_id, expires_at)
    SELECT issuer, assertion_id, expires_at FROM saml_assertions ORDER BY expires_at;
DROP TABLE saml_assertions;
ALTER TABLE saml_assertions_by_rowid RENAME TO saml_assertions;
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (expires_at);

CREATE TABLE redeemed_tokens_by_rowid (
    token_id   TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;
INSERT INTO redeemed_tokens_by_rowid (token_id, expires_at)
    SELECT token_id, expires_at FROM redeemed_tokens ORDER BY expires_at;
DROP TABLE redeemed_tokens;
ALTER TABLE redeemed_tokens_by_rowid RENAME TO redeemed_tokens;
CREATE INDEX redeemed_tokens_by_expiry ON redeemed_tokens (expires_at);
