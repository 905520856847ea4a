-- The abuse limits of the public registration, counted in the database so
-- that they hold across nodes. One row per limited key: a SHA-256 of what is
-- limited (a client address, an email address), never the value itself.
-- hits: the unix microseconds of the hits still in the window, oldest
-- first, comma separated. expires_at: when the newest hit leaves the
-- window, after which the row is pruned.
-- +goose Up
CREATE TABLE rate_limits (
    key        TEXT PRIMARY KEY,
    hits       TEXT NOT NULL DEFAULT '',
    expires_at INTEGER NOT NULL
);
CREATE INDEX rate_limits_expires ON rate_limits (expires_at);

-- The host's suppression list, as the API shows it: an id to lift one by,
-- and its kind (unsubscribed, bounced, complained, stop); reason keeps the
-- provider's words.
ALTER TABLE suppressions ADD COLUMN id TEXT;
ALTER TABLE suppressions ADD COLUMN kind TEXT NOT NULL DEFAULT 'bounced';
UPDATE suppressions SET id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
UPDATE suppressions SET kind = CASE WHEN reason = 'STOP' THEN 'stop' WHEN reason = 'complaint' THEN 'complained' ELSE 'bounced' END;
CREATE UNIQUE INDEX suppressions_id ON suppressions (id);
CREATE INDEX suppressions_host_created ON suppressions (host_id, created_at);

-- +goose Down
DROP INDEX suppressions_host_created;
DROP INDEX suppressions_id;
ALTER TABLE suppressions DROP COLUMN kind;
ALTER TABLE suppressions DROP COLUMN id;
DROP TABLE rate_limits;
