package onair

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Outgoing webhooks, per the Standard Webhooks specification
// (standardwebhooks.com): a host names a URL and the event types it wants;
// each fact of those types is POSTed there, signed with the webhook's
// secret, and retried until the receiver takes it or a day has passed.

// The webhook event types.
const (
	HookRegistrationCreated    = "registration.created"
	HookRegistrationCancelled  = "registration.cancelled"
	HookRegistrationWaitlisted = "registration.waitlisted"
	HookRegistrationPromoted   = "registration.promoted"
	HookEventCreated           = "event.created"
	HookEventRescheduled       = "event.rescheduled"
	HookEventStarted           = "event.started"
	HookEventEnded             = "event.ended"
	HookEventCancelled         = "event.cancelled"
	HookViewerAttended         = "viewer.attended"
	HookDeliveryFailed         = "delivery.failed"
)

// HookTypes are every webhook event type, in the order the API lists them.
var HookTypes = []string{
	HookRegistrationCreated, HookRegistrationCancelled, HookRegistrationWaitlisted, HookRegistrationPromoted,
	HookEventCreated, HookEventRescheduled, HookEventStarted, HookEventEnded, HookEventCancelled,
	HookViewerAttended, HookDeliveryFailed,
}

// Limits of a webhook.
const (
	MaxHookURLLen         = 2048
	MaxHookDescriptionLen = 500
	// MaxHooksPerHost bounds a host's webhooks: each fact is queued once
	// per webhook, in the fact's own transaction.
	MaxHooksPerHost = 20
	// hookSecretBytes is the size of a new secret's key; the specification
	// asks for 24 to 64 bytes.
	hookSecretBytes = 32
	// HookSecretPrefix begins every secret, as the specification writes it.
	HookSecretPrefix = "whsec_"
)

// Webhook is one of a host's outgoing webhooks.
type Webhook struct {
	ID          string
	HostID      string
	URL         string
	Events      []string
	Description string
	// Secret is "whsec_" and the base64 of the signing key.
	Secret    string
	CreatedAt time.Time
}

// Wants tells whether the webhook takes events of type typ.
func (w Webhook) Wants(typ string) bool { return slices.Contains(w.Events, typ) }

// WebhookInput is a new webhook as the API and the dashboard take it.
// Events nil means every type.
type WebhookInput struct {
	URL         string    `json:"url"`
	Events      *[]string `json:"events"`
	Description string    `json:"description"`
}

// NewWebhook validates in and makes host's webhook with a fresh secret.
// The URL must be https; plain http only when allowHTTP (which
// ONAIR_WEBHOOK_ALLOW_PRIVATE grants, with private addresses). Whether the
// URL's host is a public address is for the caller to check, with a
// resolver (see PublicAddr).
func NewWebhook(hostID string, in WebhookInput, now time.Time, allowHTTP bool) (Webhook, error) {
	v := &ValidationError{}
	w := Webhook{ID: NewID(), HostID: hostID, CreatedAt: now, Secret: NewHookSecret()}
	w.URL = cleanLine(v, "url", in.URL, MaxHookURLLen, true)
	if !v.Has("url") {
		if problem := hookURLProblem(w.URL, allowHTTP); problem != "" {
			v.Add("url", problem)
		}
	}
	w.Description = cleanLine(v, "description", in.Description, MaxHookDescriptionLen, false)
	w.Events = slices.Clone(HookTypes)
	if in.Events != nil {
		w.Events = nil
		for _, t := range *in.Events {
			if !slices.Contains(HookTypes, t) {
				v.Add("events", "unknown event type "+strconv.Quote(t)+"; known: "+strings.Join(HookTypes, ", "))
				break
			}
			if !slices.Contains(w.Events, t) {
				w.Events = append(w.Events, t)
			}
		}
		if len(w.Events) == 0 && !v.Has("events") {
			v.Add("events", "must name at least one event type (omit it for all)")
		}
	}
	return w, v.Err()
}

// hookURLProblem says what is wrong with raw as a webhook's URL, or "".
func hookURLProblem(raw string, allowHTTP bool) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return "must be an absolute URL, e.g. https://example.com/hooks/onair"
	}
	switch {
	case u.User != nil:
		return "must not hold a user name or password"
	case u.Fragment != "":
		return "must not have a #fragment"
	case u.Scheme == "https":
	case u.Scheme == "http" && allowHTTP:
	case u.Scheme == "http":
		return "must be an https URL"
	default:
		return "must be an https URL"
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "has a port that is not a number from 1 to 65535"
		}
	}
	return ""
}

// NewHookSecret makes a webhook's secret: "whsec_" and the base64 of
// hookSecretBytes random bytes.
func NewHookSecret() string {
	key := make([]byte, hookSecretBytes)
	rand.Read(key) // never fails on supported platforms (crypto/rand panics instead)
	return HookSecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// ErrBadHookSecret is a secret that is not "whsec_" and base64.
var ErrBadHookSecret = errors.New("a webhook secret is whsec_ followed by base64")

// SignHook is the webhook-signature header of a message: "v1," and the
// base64 of the HMAC-SHA256, keyed with the secret's base64-decoded key, of
// id + "." + the Unix seconds of ts + "." + body.
func SignHook(secret, id string, ts int64, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, HookSecretPrefix))
	if err != nil || len(key) == 0 {
		return "", ErrBadHookSecret
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write(strconv.AppendInt(nil, ts, 10))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// PublicAddr tells whether a is an address a webhook may reach: a global
// unicast address, not loopback, private (RFC 1918, unique local
// fc00::/7), link-local, unspecified, multicast, shared (100.64.0.0/10),
// documentation, benchmarking or otherwise reserved. An IPv4-mapped IPv6
// address is judged as the IPv4 address it carries.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() ||
		a.IsMulticast() || a.IsUnspecified() || a.IsInterfaceLocalMulticast() || a.IsLinkLocalMulticast() {
		return false
	}
	for _, p := range reservedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// reservedPrefixes are the ranges IsGlobalUnicast lets through that are not
// the public internet.
var reservedPrefixes = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network"
		"100.64.0.0/10",      // shared address space (carrier-grade NAT)
		"192.0.0.0/24",       // IETF protocol assignments
		"192.0.2.0/24",       // documentation
		"198.18.0.0/15",      // benchmarking
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"240.0.0.0/4",        // reserved, and the broadcast address
		"64:ff9b::/96",       // NAT64: reaches IPv4 addresses, private ones too
		"64:ff9b:1::/48",     // local-use NAT64
		"100::/64",           // discard-only
		"2001::/23",          // IETF protocol assignments (Teredo, ORCHID…)
		"2001:db8::/32",      // documentation
		"2002::/16",          // 6to4: carries any IPv4 address
		"3fff::/20",          // documentation
		"5f00::/16",          // segment routing
		"::/96",              // IPv4-compatible (deprecated)
		"::ffff:0:0:0/96",    // IPv4-translated
		"fec0::/10",          // site-local (deprecated)
		"ff00::/8",           // multicast
		"2001:10::/28",       // ORCHID
		"2001:20::/28",       // ORCHIDv2
		"2620:4f:8000::/48",  // AS112
		"192.31.196.0/24",    // AS112
		"192.52.193.0/24",    // AMT
		"192.175.48.0/24",    // AS112
		"255.255.255.255/32", // broadcast
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// HookRetryDelays are the waits after each failed attempt of a webhook
// delivery before the next, as the specification suggests: the first
// retry within seconds, the last more than a day after the first attempt.
// A delivery that failed once more than there are delays has failed for
// good.
var HookRetryDelays = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
}

// HookRetryAt is when a webhook delivery that has failed attempts times
// (this one included) at now is tried again; ok is false when it has
// failed for good.
func HookRetryAt(attempts int, now time.Time) (at time.Time, ok bool) {
	if attempts < 1 || attempts > len(HookRetryDelays) {
		return time.Time{}, false
	}
	return now.Add(HookRetryDelays[attempts-1]), true
}

// HookDeliveryStatus is the state of one webhook delivery.
type HookDeliveryStatus string

// The states of a webhook delivery.
const (
	HookPending   HookDeliveryStatus = "pending"
	HookSucceeded HookDeliveryStatus = "succeeded"
	HookFailed    HookDeliveryStatus = "failed"
)

// HookDelivery is one event sent, or to send, to one webhook. Its ID is the
// webhook-id of every attempt.
type HookDelivery struct {
	ID             string
	WebhookID      string
	Type           string
	Status         HookDeliveryStatus
	Attempts       int
	ResponseStatus int // of the last attempt; 0 when none answered
	LastError      string
	CreatedAt      time.Time
	DeliveredAt    *time.Time
	// NextAttemptAt is when a pending delivery goes next.
	NextAttemptAt time.Time
}

// EventChangeHooks are the webhook event types that a change of an event
// from before to after reports: its start, end or cancellation, and a new
// scheduled start.
func EventChangeHooks(before, after Event) []string {
	var types []string
	if !after.ScheduledStart.Equal(before.ScheduledStart) {
		types = append(types, HookEventRescheduled)
	}
	if after.Status != before.Status {
		switch after.Status {
		case StatusLive:
			types = append(types, HookEventStarted)
		case StatusEnded:
			types = append(types, HookEventEnded)
		case StatusCancelled:
			types = append(types, HookEventCancelled)
		}
	}
	return types
}
