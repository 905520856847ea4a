package store

import "github.com/onair-live/onair/internal/onair"

// The SQL of the domain's rules, for the statements that apply them to many
// rows at once. Each says what its onair function says, and only that;
// rules_test.go holds them to those functions on both databases.

// addressSQL is onair.Address in SQL: where a message on the channel named
// by the SQL expression channel reaches the registration r (empty when it has
// no address there, an erased registration has none).
func addressSQL(channel string) string {
	return `CASE WHEN r.erased_at IS NOT NULL THEN '' WHEN ` + channel + ` = 'sms' THEN r.phone ELSE r.email_norm END`
}

// deliveryAddressSQL is onair.Address of a delivery d to its registration r.
var deliveryAddressSQL = addressSQL("d.channel")

// recipientSQL is onair.RecipientReason(r, ch) == "" in SQL: the
// registration r is one of the people a message on ch is addressed to.
func recipientSQL(ch onair.Channel) string {
	return `(r.erased_at IS NULL AND r.status = 'registered' AND ` + addressSQL(channelLiteral(ch)) + ` <> '')`
}

// channelLiteral is ch as an SQL string literal. Only the domain's channels
// have one: anything else would be a bug, and names no channel in SQL
// either.
func channelLiteral(ch onair.Channel) string {
	switch ch {
	case onair.ChannelEmail, onair.ChannelSMS:
		return `'` + string(ch) + `'`
	}
	return `NULL`
}

// audienceSQL is onair.AudienceReason(kind, r) == "" in SQL: the
// registration r is one of those a notification of kind speaks to.
func audienceSQL(kind onair.NotificationKind) string {
	switch kind {
	case onair.KindFollowUpAttended:
		return `r.attended = TRUE`
	case onair.KindFollowUpMissed:
		return `r.attended = FALSE`
	}
	return `TRUE`
}

// armSQL is onair.ArmReason(n, r) == "" in SQL for a notification of arm:
// a reminder of one arm's ladder is for that arm's registrations r only.
// Only the domain's arms have a literal: anything else names no arm.
func armSQL(arm string) string {
	switch arm {
	case "":
		return `TRUE`
	case onair.ArmA, onair.ArmB:
		return `r.arm = '` + arm + `'`
	}
	return `FALSE`
}
