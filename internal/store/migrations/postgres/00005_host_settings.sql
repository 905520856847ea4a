-- How a host's messages present it: the sender's display name and the
-- calendar organizer (name), the Reply-To of its emails (reply_to), and the
-- colour and logo of the email and page headers (brand_color #rrggbb,
-- logo_url). Empty means onair's own.
-- +goose Up
ALTER TABLE hosts ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE hosts ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE hosts DROP COLUMN reply_to;
ALTER TABLE hosts DROP COLUMN logo_url;
ALTER TABLE hosts DROP COLUMN brand_color;
ALTER TABLE hosts DROP COLUMN name;
