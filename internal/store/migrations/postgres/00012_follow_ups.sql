-- After the end: the recording (replay_url, shown on the watch page and in
-- the follow-ups), the two follow-ups (follow_ups, JSON: {"attended":
-- {"enabled", "after" (microseconds), "message"}, "missed": {...}}), and the
-- host's line added to every SMS (sms_message).
--
-- The kinds of notification are the domain's to name (onair.MessageKinds):
-- the CHECK that listed them is dropped rather than widened, as on SQLite,
-- where every new kind would mean rebuilding the table.
-- +goose Up
ALTER TABLE events ADD COLUMN replay_url TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN follow_ups TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN sms_message TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications DROP CONSTRAINT IF EXISTS notifications_kind_check;

-- +goose Down
ALTER TABLE events DROP COLUMN sms_message;
ALTER TABLE events DROP COLUMN follow_ups;
ALTER TABLE events DROP COLUMN replay_url;
