-- The landing page: the event's cover picture (cover_image_url), the host's
-- own questions on the registration page (registration_fields, JSON: [{"key",
-- "label", "type", "required", "options"}]), and each registrant's answers to
-- them (answers, JSON: {"key": "text" or true/false}; '' for none, and
-- emptied with the rest of the personal data on erasure).
-- +goose Up
ALTER TABLE events ADD COLUMN cover_image_url TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN registration_fields TEXT NOT NULL DEFAULT '';
ALTER TABLE registrations ADD COLUMN answers TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE registrations DROP COLUMN answers;
ALTER TABLE events DROP COLUMN registration_fields;
ALTER TABLE events DROP COLUMN cover_image_url;
