-- deliveries_pending (status, updated_at) served the sweeps of the send jobs
-- that the delivery pump of 00008 replaced. No query uses it any more: the
-- pump claims through deliveries_due, finds whether anything is due
-- through it too, and releases stale claims through deliveries_claimed.
-- Yet every delivery changed it three times on its way (created pending,
-- claimed, recorded), each a write of an index page in the transaction of
-- a registration, a claim or a record.
-- +goose Up
DROP INDEX deliveries_pending;

-- +goose Down
CREATE INDEX deliveries_pending ON deliveries (status, updated_at) WHERE status IN ('pending', 'sending');
