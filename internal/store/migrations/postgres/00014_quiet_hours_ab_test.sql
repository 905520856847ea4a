-- SMS quiet hours and A/B reminder ladders. sms_quiet_hours is the event's
-- quiet hours on the viewer's clock, "HH:MM-HH:MM", or '' when the host
-- switched them off (every event has the default until then). ab_test is
-- arm b's intervals as a JSON array of names, '' without a test; ab_seq is
-- how many registrants the test has put in an arm, counted in the
-- registration's transaction under the event's lock, so that arms
-- alternate in registration order however many register at once. A
-- registration's arm and a reminder's arm are 'a' or 'b', '' outside a test
-- (a reminder for every registrant).
-- +goose Up
ALTER TABLE events ADD COLUMN sms_quiet_hours TEXT NOT NULL DEFAULT '21:00-08:00';
ALTER TABLE events ADD COLUMN ab_test TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN ab_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN arm TEXT NOT NULL DEFAULT '';
ALTER TABLE notifications ADD COLUMN arm TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE notifications DROP COLUMN arm;
ALTER TABLE registrations DROP COLUMN arm;
ALTER TABLE events DROP COLUMN ab_seq;
ALTER TABLE events DROP COLUMN ab_test;
ALTER TABLE events DROP COLUMN sms_quiet_hours;
