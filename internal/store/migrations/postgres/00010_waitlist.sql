-- The waitlist, self-cancel and the messages that go with them. An event
-- may take a waitlist (waitlist_enabled); waitlist_count is how many wait
-- now, kept in the transaction that changes it like registration_count,
-- and waitlist_seq the last place in line handed out, so that the line is
-- the order of arrival whatever the clock says. A registration keeps its
-- place in line (waitlist_seq) and, once promoted, when (promoted_at): the
-- reminders of a promoted registrant are those after that time.
-- +goose Up
ALTER TABLE events ADD COLUMN waitlist_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN waitlist_count INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN waitlist_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN waitlist_seq BIGINT, ADD COLUMN promoted_at BIGINT;
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check,
    ADD CONSTRAINT registrations_status_check CHECK (status IN ('registered', 'unsubscribed', 'cancelled', 'waitlisted'));
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('confirmation', 'reminder', 'starting_now', 'rescheduled',
        'cancelled', 'waitlisted', 'promoted'));
CREATE INDEX registrations_waitlist ON registrations (event_id, waitlist_seq) WHERE status = 'waitlisted';

-- +goose Down
DROP INDEX registrations_waitlist;
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check,
    ADD CONSTRAINT notifications_kind_check CHECK (kind IN ('confirmation', 'reminder', 'starting_now', 'rescheduled', 'cancelled'));
ALTER TABLE registrations DROP CONSTRAINT registrations_status_check,
    ADD CONSTRAINT registrations_status_check CHECK (status IN ('registered', 'unsubscribed', 'cancelled'));
ALTER TABLE registrations DROP COLUMN promoted_at, DROP COLUMN waitlist_seq;
ALTER TABLE events DROP COLUMN waitlist_seq, DROP COLUMN waitlist_count, DROP COLUMN waitlist_enabled;
