-- One-time tokens are sealed by the server and carry their own expiry; the store now records
-- only which have been redeemed (insert-if-absent), instead of storing each token when issued
-- and deleting it when redeemed. Tokens issued before this migration stop working: they lived
-- five minutes.
DROP TABLE one_time_tokens;

CREATE TABLE redeemed_tokens (
    token_id   TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX redeemed_tokens_by_expiry ON redeemed_tokens (expires_at);
