-- The deliveries table is the send queue: every node's pump claims the
-- pending deliveries that are due, transactional ones (confirmations) first,
-- oldest first, in pages. lane 0 is a message a viewer waits for (a
-- confirmation), lane 1 the rest; due_at is when a pending delivery may go
-- (its notification's time, or the time of its retry). nodes is the
-- heartbeat of every process that sends: the claims of a node whose
-- heartbeat stopped are handed back to pending for the others. Times are
-- unix microseconds (INTEGER), as in 00001.
-- +goose Up
ALTER TABLE deliveries ADD COLUMN lane INTEGER NOT NULL DEFAULT 1;
ALTER TABLE deliveries ADD COLUMN due_at INTEGER;
UPDATE deliveries SET lane = 0 WHERE notification_id IN (SELECT id FROM notifications WHERE kind = 'confirmation');
UPDATE deliveries SET due_at = COALESCE(next_attempt_at, created_at) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_due ON deliveries (channel, lane, due_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE status = 'sending';
CREATE TABLE nodes (
    id      TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE nodes;
DROP INDEX deliveries_claimed;
DROP INDEX deliveries_due;
ALTER TABLE deliveries DROP COLUMN due_at;
ALTER TABLE deliveries DROP COLUMN lane;
