-- Outgoing webhooks. webhooks are a host's endpoints, with the event types
-- each takes (events, a JSON array) and the signing secret, kept as it is:
-- every attempt is signed with it. webhook_deliveries is the send queue of
-- the webhooks, and their log: a row is inserted in the transaction of the
-- fact it reports, with its body, and its id is the webhook-id of every
-- attempt. A sender claims a pending row by moving its due_at past the
-- time an attempt can take (a lease): a sender that dies mid-attempt leaves
-- the row to be taken again when the lease ends, so a fact reaches its
-- receiver at least once. retry_base is the number of attempts made before
-- the host last asked for one more: the retry schedule starts over from it.
-- registration_id names the registrant a body
-- speaks of, so that an erasure can remove it. Times are unix microseconds
-- (BIGINT), as in 00001.
-- +goose Up
CREATE TABLE webhooks (
    id          TEXT PRIMARY KEY,
    host_id     TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    events      TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX webhooks_host ON webhooks (host_id, created_at);

CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    type            TEXT NOT NULL,
    body            TEXT NOT NULL,
    registration_id TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    retry_base      INTEGER NOT NULL DEFAULT 0,
    response_status INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    due_at          BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (due_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at);
CREATE INDEX webhook_deliveries_registration ON webhook_deliveries (registration_id) WHERE registration_id IS NOT NULL;

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
