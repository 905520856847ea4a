// Package dashboard is the host's side of onair's pages: the events, one
// event with its schedule, registrants and analytics, the create wizard,
// the outbox, the suppression list and the settings. Every handler is a
// method of Dashboard that internal/web's routes.go mounts behind the
// session check; Store says everything the dashboard may read or change.
package dashboard

import (
	"context"
	"embed"
	"time"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/site"
)

// Store is what the dashboard reads and changes: *store.Store has it.
type Store interface {
	FindEvents(ctx context.Context, f onair.EventFilter) ([]onair.Event, int, error)
	HostEvent(ctx context.Context, hostID, id string) (onair.Event, error)
	EventSummaries(ctx context.Context, ids []string) (map[string]onair.EventSummary, error)
	EventNotifications(ctx context.Context, eventID string) ([]onair.Notification, error)
	EventAnalytics(ctx context.Context, eventID string) (onair.Analytics, error)
	Registrations(ctx context.Context, f store.RegistrationFilter) ([]onair.Registration, int, error)
	RegistrantTimeline(ctx context.Context, eventID, registrationID string) (onair.Timeline, error)
	CreateEvent(ctx context.Context, ev onair.Event) error
	UpdateEvent(ctx context.Context, hostID, id string, change func(onair.Event) (onair.Event, error)) (onair.Event, error)
	DeleteEvent(ctx context.Context, hostID, id string, now time.Time) error
	UpdateHostSettings(ctx context.Context, hostID string, in onair.HostSettingsInput) (onair.Host, error)
	Outbox(ctx context.Context, f store.OutboxFilter) ([]store.OutboxMessage, int, error)
	Suppressions(ctx context.Context, f store.SuppressionFilter) ([]onair.Suppression, int, error)
	LiftSuppression(ctx context.Context, hostID, id string) error
	Webhooks(ctx context.Context, hostID string) ([]onair.Webhook, error)
	Webhook(ctx context.Context, hostID, id string) (onair.Webhook, error)
	DeleteWebhook(ctx context.Context, hostID, id string) error
	HookDeliveries(ctx context.Context, hostID, webhookID string, limit int) ([]onair.HookDelivery, error)
	RetryHookDelivery(ctx context.Context, hostID, webhookID, deliveryID string, now time.Time) (onair.HookDelivery, error)
	TakeLimit(ctx context.Context, l store.Limit, now time.Time) error
}

// Deps are what the dashboard needs from the rest of the process.
type Deps struct {
	Store Store
	// Links builds the viewer URLs the pages show (the registration link,
	// the previews' links) and unwraps the tracked links of sent email.
	Links links.Links
	// Clock is the current time, in UTC to the microsecond the store keeps.
	Clock func() time.Time
	// EmailFrom is EMAIL_FROM, the sender the settings and previews show.
	EmailFrom string
	// AddWebhook checks and stores a host's new webhook, as the API does.
	AddWebhook func(ctx context.Context, hostID string, in onair.WebhookInput) (onair.Webhook, error)
	// SecureCookies marks the page's cookies Secure (behind https).
	SecureCookies bool
	// SendNow sends a message at once through the real provider of its
	// channel (a test send); nil refuses test sends.
	SendNow func(ctx context.Context, m notify.Message) (string, error)
	// NormalizePhone reads the number a test SMS goes to.
	NormalizePhone onair.PhoneNormalizer
}

// Dashboard serves the host's pages.
type Dashboard struct {
	store     Store
	links     links.Links
	clock     func() time.Time
	emailFrom string
	sendNow   func(ctx context.Context, m notify.Message) (string, error)
	phone     onair.PhoneNormalizer
	pages     site.Pages

	addWebhook    func(ctx context.Context, hostID string, in onair.WebhookInput) (onair.Webhook, error)
	secureCookies bool
}

// templates holds the dashboard's pages and partials; "all:" keeps the
// partials, whose names start with "_" (a plain directory pattern leaves
// such files out).
//
//go:embed all:templates
var templates embed.FS

// New builds the dashboard from deps; an error is a broken template.
func New(deps Deps) (*Dashboard, error) {
	pages, err := site.ParsePages(templates, "templates")
	if err != nil {
		return nil, err
	}
	return &Dashboard{store: deps.Store, links: deps.Links, clock: deps.Clock, emailFrom: deps.EmailFrom, pages: pages,
		addWebhook: deps.AddWebhook, secureCookies: deps.SecureCookies, sendNow: deps.SendNow, phone: deps.NormalizePhone}, nil
}

// sender is who host's messages come from.
func (d *Dashboard) sender(host onair.Host) notify.Sender {
	return notify.NewSender(host.HostSettings, d.emailFrom)
}
