-- After the end: the recording (replay_url, shown on the watch page and in
-- the follow-ups), the two follow-ups (follow_ups, JSON: {"attended":
-- {"enabled", "after" (microseconds), "message"}, "missed": {...}}), and the
-- host's line added to every SMS (sms_message).
--
-- The kinds of notification are the domain's to name (onair.MessageKinds):
-- the CHECK that listed them is dropped rather than widened, since on
-- SQLite every new kind would mean rebuilding the table again. Rebuilding
-- it needs the foreign keys off (dropping the old table would otherwise
-- delete every delivery through the cascade), which SQLite only allows
-- outside a transaction: hence NO TRANSACTION, and a transaction of our
-- own around the rebuild.
-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE events ADD COLUMN replay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN follow_ups TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN sms_message TEXT NOT NULL DEFAULT '';
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE notifications_new (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,
    interval_name  TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    scheduled_time INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'partially_failed', 'failed', 'skipped', 'cancelled')),
    event_version  INTEGER NOT NULL,
    recipients     INTEGER NOT NULL DEFAULT 0,
    sent_count     INTEGER NOT NULL DEFAULT 0,
    failed_count   INTEGER NOT NULL DEFAULT 0,
    skipped_count  INTEGER NOT NULL DEFAULT 0,
    error_details  TEXT NOT NULL DEFAULT '',
    previous_start INTEGER,
    fanout_cursor  TEXT NOT NULL DEFAULT '',
    fanout_done    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
INSERT INTO notifications_new (id, event_id, kind, interval_name, channel, scheduled_time, status,
    event_version, recipients, sent_count, failed_count, skipped_count, error_details, previous_start,
    fanout_cursor, fanout_done, created_at, updated_at)
SELECT id, event_id, kind, interval_name, channel, scheduled_time, status,
    event_version, recipients, sent_count, failed_count, skipped_count, error_details, previous_start,
    fanout_cursor, fanout_done, created_at, updated_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_event ON notifications (event_id, scheduled_time);
CREATE INDEX notifications_due ON notifications (status, scheduled_time);
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
ALTER TABLE events DROP COLUMN sms_message;
ALTER TABLE events DROP COLUMN follow_ups;
ALTER TABLE events DROP COLUMN replay_url;
