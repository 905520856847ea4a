-- Privacy. Times are unix microseconds (BIGINT), as in 00001.
--
-- Watch-link tokens are no longer stored: a new one is derived from the
-- registration's id under the secret key (onair.WatchToken). A token handed
-- out before this migration keeps working through the SHA-256 it is kept
-- under (legacy_token_hash, hex); the clear token goes.
--
-- erased_at: the viewer's personal data was erased (DELETE /api/viewers, or
-- the host's retention_days); the row stays, anonymous, for the counts.
-- retention_erased_at: the event's registrants were erased by retention.
-- The new indexes serve a viewer's registrations across a host's events,
-- the outbox entries of a delivery, the pruning of old outbox entries, and
-- the cascades of a deleted event.
-- +goose Up
ALTER TABLE hosts ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN retention_erased_at BIGINT;
ALTER TABLE registrations ADD COLUMN erased_at BIGINT;
ALTER TABLE registrations ADD COLUMN legacy_token_hash TEXT;
UPDATE registrations SET legacy_token_hash = encode(sha256(convert_to(access_token, 'UTF8')), 'hex') WHERE access_token <> '';
DROP INDEX registrations_selector;
ALTER TABLE registrations DROP COLUMN token_selector, DROP COLUMN access_token;
CREATE INDEX registrations_legacy_token ON registrations (legacy_token_hash) WHERE legacy_token_hash IS NOT NULL;
CREATE INDEX registrations_host_email ON registrations (host_id, email_norm);
CREATE INDEX outbox_messages_delivery ON outbox_messages (delivery_id);
CREATE INDEX outbox_messages_created ON outbox_messages (created_at);
CREATE INDEX outbox_messages_event ON outbox_messages (event_id);
CREATE INDEX engagement_actions_registration ON engagement_actions (registration_id);
CREATE INDEX purchases_registration ON purchases (registration_id);

-- +goose Down
-- The tokens cannot come back: links handed out before the upgrade stop
-- working after a downgrade.
DROP INDEX purchases_registration;
DROP INDEX engagement_actions_registration;
DROP INDEX outbox_messages_event;
DROP INDEX outbox_messages_created;
DROP INDEX outbox_messages_delivery;
DROP INDEX registrations_host_email;
DROP INDEX registrations_legacy_token;
ALTER TABLE registrations ADD COLUMN access_token TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN token_selector TEXT NOT NULL DEFAULT '';
CREATE INDEX registrations_selector ON registrations (token_selector);
ALTER TABLE registrations DROP COLUMN legacy_token_hash;
ALTER TABLE registrations DROP COLUMN erased_at;
ALTER TABLE events DROP COLUMN retention_erased_at;
ALTER TABLE hosts DROP COLUMN retention_days;
