-- The language of an event's messages and public pages (events.language),
-- and a registrant's own, which wins over it (registrations.language; ''
-- for one who named none, who gets the event's).
-- +goose Up
ALTER TABLE events ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE registrations ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE registrations DROP COLUMN language;
ALTER TABLE events DROP COLUMN language;
