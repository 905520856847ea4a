-- Figures for analytics. bounced_at: a message the provider took (status
-- 'sent') and later reported it could not deliver (Mailgun's permanent
-- failure); the delivery stays 'sent' (it was handed over once and must not
-- be sent again) and counts as sent but not delivered. The index on
-- last_seen_at serves the count of viewers present now across all events
-- (the active viewers of /metrics). Times are unix microseconds (INTEGER), as
-- in 00001.
-- +goose Up
ALTER TABLE deliveries ADD COLUMN bounced_at INTEGER;
CREATE INDEX viewer_sessions_seen ON viewer_sessions (last_seen_at);

-- +goose Down
DROP INDEX viewer_sessions_seen;
ALTER TABLE deliveries DROP COLUMN bounced_at;
