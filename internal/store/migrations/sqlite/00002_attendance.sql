-- Attendance: one row per viewing session of a registration (a run of
-- heartbeats, each less than 60 s after the one before), and the peak of
-- concurrent viewers per event, raised in the transaction of the heartbeat
-- that reaches it. Times are unix microseconds (INTEGER), as in 00001.
-- +goose Up
CREATE TABLE viewer_sessions (
    id              INTEGER PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    registration_id TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    started_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL,
    seconds         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX viewer_sessions_event_seen ON viewer_sessions (event_id, last_seen_at);
CREATE INDEX viewer_sessions_registration ON viewer_sessions (registration_id, last_seen_at);

ALTER TABLE events ADD COLUMN peak_viewers INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE events DROP COLUMN peak_viewers;
DROP TABLE viewer_sessions;
