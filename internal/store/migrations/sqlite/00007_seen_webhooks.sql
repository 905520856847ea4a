-- Figures a host can trust. seen_webhooks holds the token of every signed
-- provider webhook (Mailgun's) received while a copy of it could still pass
-- the check of its age: a webhook counts only when inserting its token
-- inserts a row, one statement that two copies arriving together cannot
-- both pass. (The cap of engagement actions per viewer and event is served
-- by the index on engagement_actions (registration_id) of 00006.) Times are unix
-- microseconds (INTEGER), as in 00001.
-- +goose Up
CREATE TABLE seen_webhooks (
    token       TEXT PRIMARY KEY,
    received_at INTEGER NOT NULL
);
CREATE INDEX seen_webhooks_received ON seen_webhooks (received_at);

-- +goose Down
DROP TABLE seen_webhooks;
