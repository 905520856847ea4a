-- The core schema. search_text columns hold the searchable fields lower-cased
-- in Go, so that a search folds case alike on both engines and in any locale.
-- Times are unix microseconds (BIGINT) on both dialects:
-- one sortable form, compared correctly by plain SQL on either engine.
-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE hosts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_norm    TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- API and session tokens, stored as SHA-256 hashes.
CREATE TABLE tokens (
    token_hash   TEXT PRIMARY KEY,
    host_id      TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('api', 'session')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT
);
CREATE INDEX tokens_host ON tokens (host_id);

CREATE TABLE events (
    id                   TEXT PRIMARY KEY,
    host_id              TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended', 'cancelled')),
    scheduled_start      BIGINT NOT NULL,
    timezone             TEXT NOT NULL,
    duration_minutes     INTEGER NOT NULL,
    max_registrations    INTEGER NOT NULL DEFAULT 0,
    registration_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    stream_url           TEXT NOT NULL DEFAULT '',
    email_enabled        BOOLEAN NOT NULL DEFAULT TRUE,
    sms_enabled          BOOLEAN NOT NULL DEFAULT FALSE,
    custom_message       TEXT NOT NULL DEFAULT '',
    selected_intervals   TEXT NOT NULL DEFAULT '[]',
    search_text          TEXT NOT NULL DEFAULT '',
    registration_count   INTEGER NOT NULL DEFAULT 0,
    version              INTEGER NOT NULL DEFAULT 1,
    ics_sequence         INTEGER NOT NULL DEFAULT 0,
    started_at           BIGINT,
    ended_at             BIGINT,
    cancelled_at         BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX events_host_start ON events (host_id, scheduled_start);

-- A viewer's profile with one host, created or refreshed by each registration.
CREATE TABLE viewers (
    id         TEXT PRIMARY KEY,
    host_id    TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    email_norm TEXT NOT NULL,
    first_name TEXT NOT NULL DEFAULT '',
    last_name  TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    company    TEXT NOT NULL DEFAULT '',
    timezone   TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (host_id, email_norm)
);

CREATE TABLE registrations (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    host_id        TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    viewer_id      TEXT NOT NULL REFERENCES viewers (id) ON DELETE CASCADE,
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL,
    email_norm     TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    company        TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL DEFAULT 'direct',
    timezone       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('registered', 'unsubscribed', 'cancelled')),
    access_token   TEXT NOT NULL,
    token_selector TEXT NOT NULL,
    search_text    TEXT NOT NULL DEFAULT '',
    attended       BOOLEAN NOT NULL DEFAULT FALSE,
    first_joined_at BIGINT,
    last_seen_at   BIGINT,
    watch_seconds  INTEGER NOT NULL DEFAULT 0,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (event_id, email_norm)
);
CREATE INDEX registrations_selector ON registrations (token_selector);
CREATE INDEX registrations_event_created ON registrations (event_id, created_at);

-- One message of an event on one channel: a reminder at one interval, the
-- confirmation, a reschedule or cancel notice.
CREATE TABLE notifications (
    id             TEXT PRIMARY KEY,
    event_id       TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL CHECK (kind IN ('confirmation', 'reminder', 'starting_now', 'rescheduled', 'cancelled')),
    interval_name  TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    scheduled_time BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('scheduled', 'sending', 'sent', 'partially_failed', 'failed', 'skipped', 'cancelled')),
    event_version  INTEGER NOT NULL,
    recipients     INTEGER NOT NULL DEFAULT 0,
    sent_count     INTEGER NOT NULL DEFAULT 0,
    failed_count   INTEGER NOT NULL DEFAULT 0,
    skipped_count  INTEGER NOT NULL DEFAULT 0,
    error_details  TEXT NOT NULL DEFAULT '',
    -- a reschedule notice: the start registrants knew before the change
    previous_start BIGINT,
    -- fan-out progress: the last registration id given a delivery, and
    -- whether every eligible registrant has one
    fanout_cursor  TEXT NOT NULL DEFAULT '',
    fanout_done    BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX notifications_event ON notifications (event_id, scheduled_time);
CREATE INDEX notifications_due ON notifications (status, scheduled_time);

-- One notification to one registration on one channel. The unique key is
-- what makes a second message for the same delivery impossible. seq is 0
-- but for confirmations sent again on request (a repeated registration
-- attempt), each of which is a delivery of its own.
CREATE TABLE deliveries (
    id                  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    notification_id     TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    registration_id     TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    channel             TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    seq                 INTEGER NOT NULL DEFAULT 0,
    status              TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    -- who is sending it: a send job ("job:ID") or a sweep, and since when
    claimed_by          TEXT NOT NULL DEFAULT '',
    claimed_at          BIGINT,
    -- after a transient failure: not before this time again
    next_attempt_at     BIGINT,
    provider            TEXT NOT NULL DEFAULT '',
    provider_message_id TEXT NOT NULL DEFAULT '',
    attempts            INTEGER NOT NULL DEFAULT 0,
    error               TEXT NOT NULL DEFAULT '',
    sent_at             BIGINT,
    opened_at           BIGINT,
    open_count          INTEGER NOT NULL DEFAULT 0,
    clicked_at          BIGINT,
    click_count         INTEGER NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (notification_id, registration_id, channel, seq)
);
CREATE INDEX deliveries_registration ON deliveries (registration_id);
CREATE INDEX deliveries_pending ON deliveries (status, updated_at) WHERE status IN ('pending', 'sending');
CREATE INDEX deliveries_provider_message ON deliveries (provider_message_id) WHERE provider_message_id <> '';

-- Addresses that must not be sent to again by a host: hard bounces,
-- complaints, SMS STOP.
CREATE TABLE suppressions (
    host_id    TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    channel    TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    address    TEXT NOT NULL,
    reason     TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (host_id, channel, address)
);

-- What the outbox provider kept: every message, rendered as it would have
-- been sent, when no real provider is configured for its channel.
CREATE TABLE outbox_messages (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    event_id    TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    delivery_id BIGINT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    text_body   TEXT NOT NULL DEFAULT '',
    html_body   TEXT NOT NULL DEFAULT '',
    headers     TEXT NOT NULL DEFAULT '[]',
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at  BIGINT NOT NULL
);
CREATE INDEX outbox_messages_host ON outbox_messages (host_id, id);

CREATE TABLE engagement_actions (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    registration_id TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    action          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX engagement_actions_event ON engagement_actions (event_id);

CREATE TABLE purchases (
    id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    event_id        TEXT NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    registration_id TEXT NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    amount_cents    BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX purchases_event ON purchases (event_id);

-- +goose Down
DROP TABLE purchases;
DROP TABLE engagement_actions;
DROP TABLE outbox_messages;
DROP TABLE suppressions;
DROP TABLE deliveries;
DROP TABLE notifications;
DROP TABLE registrations;
DROP TABLE viewers;
DROP TABLE events;
DROP TABLE tokens;
DROP TABLE hosts;
DROP TABLE settings;
