-- The waitlist, self-cancel and the messages that go with them. An event
-- may take a waitlist (waitlist_enabled); waitlist_count is how many wait
-- now, kept in the transaction that changes it like registration_count,
-- and waitlist_seq the last place in line handed out, so that the line is
-- the order of arrival whatever the clock says. A registration keeps its
-- place in line (waitlist_seq) and, once promoted, when (promoted_at): the
-- reminders of a promoted registrant are those after that time.
--
-- The statuses and kinds are CHECK constraints of 00001, which SQLite
-- cannot alter. Widening an IN list is the change the SQLite manual allows
-- through writable_schema (every stored row still satisfies it); RESET
-- reloads the schema on this connection, and the index created after it
-- changes the schema cookie, so that every other connection reloads too.
-- +goose Up
ALTER TABLE events ADD COLUMN waitlist_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE events ADD COLUMN waitlist_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN waitlist_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE registrations ADD COLUMN waitlist_seq INTEGER;
ALTER TABLE registrations ADD COLUMN promoted_at INTEGER;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''registered'', ''unsubscribed'', ''cancelled'')',
    '''registered'', ''unsubscribed'', ''cancelled'', ''waitlisted'')')
    WHERE type = 'table' AND name = 'registrations';
UPDATE sqlite_schema SET sql = replace(sql, '''starting_now'', ''rescheduled'', ''cancelled'')',
    '''starting_now'', ''rescheduled'', ''cancelled'', ''waitlisted'', ''promoted'')')
    WHERE type = 'table' AND name = 'notifications';
PRAGMA writable_schema = RESET;
CREATE INDEX registrations_waitlist ON registrations (event_id, waitlist_seq) WHERE status = 'waitlisted';

-- +goose Down
DROP INDEX registrations_waitlist;
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, '''registered'', ''unsubscribed'', ''cancelled'', ''waitlisted'')',
    '''registered'', ''unsubscribed'', ''cancelled'')')
    WHERE type = 'table' AND name = 'registrations';
UPDATE sqlite_schema SET sql = replace(sql, '''starting_now'', ''rescheduled'', ''cancelled'', ''waitlisted'', ''promoted'')',
    '''starting_now'', ''rescheduled'', ''cancelled'')')
    WHERE type = 'table' AND name = 'notifications';
PRAGMA writable_schema = RESET;
ALTER TABLE registrations DROP COLUMN promoted_at;
ALTER TABLE registrations DROP COLUMN waitlist_seq;
ALTER TABLE events DROP COLUMN waitlist_seq;
ALTER TABLE events DROP COLUMN waitlist_count;
ALTER TABLE events DROP COLUMN waitlist_enabled;
