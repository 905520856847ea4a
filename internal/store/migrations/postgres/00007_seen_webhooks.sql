-- Figures a host can trust. seen_webhooks holds the token of every signed
-- provider webhook (Mailgun's) received while a copy of it could still pass
-- the check of its age: a webhook counts only when inserting its token
-- inserts a row, one statement that two copies arriving together cannot
-- both pass. The index on the registration
-- of engagement_actions serves the cap of engagement actions per viewer
-- and event, counted under the registration's row lock. Times are unix
-- microseconds (BIGINT), as in 00001.
-- +goose Up
CREATE TABLE seen_webhooks (
    token       TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
CREATE INDEX seen_webhooks_received ON seen_webhooks (received_at);
CREATE INDEX engagement_actions_registration ON engagement_actions (registration_id);

-- +goose Down
DROP INDEX engagement_actions_registration;
DROP TABLE seen_webhooks;
