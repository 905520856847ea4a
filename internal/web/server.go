// Package web is onair's HTTP face: the JSON API, the public endpoints,
// the viewer pages and sign-in; the host's pages are internal/web/dashboard,
// mounted here. Every route is in routes.go; handlers return errors, which
// errors.go turns into responses in one place.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/metrics"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/phone"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/web/dashboard"
	"github.com/onair-live/onair/internal/web/site"
	"github.com/onair-live/onair/internal/web/ui"
	"github.com/onair-live/onair/internal/webhook"
)

// Config is what the HTTP side needs from the rest of the process.
type Config struct {
	Store  *store.Store
	AppURL string // public base URL, without a trailing slash
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sweep sends whatever is due, once (the cron endpoint).
	Sweep func(ctx context.Context) (int, error)
	// CronSecret is the bearer secret of the cron endpoint; empty turns the
	// endpoint off.
	CronSecret string
	// TwilioAuthToken checks X-Twilio-Signature on inbound SMS; empty turns
	// the webhook off.
	TwilioAuthToken string
	// MailgunSigningKey checks Mailgun's event webhooks; empty turns them off.
	MailgunSigningKey string
	// Secret is ONAIR_SECRET_KEY: it signs watch, unsubscribe and tracking links.
	Secret string
	// EmailFrom is EMAIL_FROM: its address is the organizer of calendar
	// files, and the sender of the previews.
	EmailFrom string
	// Metrics are served at /metrics; nil serves none.
	Metrics *metrics.Metrics
	// RegisterLimit bounds the registrations of one client address
	// (ONAIR_REGISTER_LIMIT); the zero limit is none.
	RegisterLimit onair.RateLimit
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// SMSPolicy says which numbers may be texted; the zero Policy means
	// the numbers of the United States.
	SMSPolicy *phone.Policy
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	// SignupClosed turns host sign-up off (ONAIR_SIGNUP=closed): only
	// `onair host create` makes hosts.
	SignupClosed bool
	// Webhooks says which URLs outgoing webhooks may have
	// (ONAIR_WEBHOOK_ALLOW_PRIVATE).
	Webhooks webhook.Guard
	// SendNow sends a host's test message at once through the real
	// provider; nil refuses test sends.
	SendNow func(ctx context.Context, m notify.Message) (string, error)
}

// Server serves onair's HTTP routes.
type Server struct {
	store     *store.Store
	appURL    string
	links     links.Links // every URL handed to a viewer
	log       *slog.Logger
	now       func() time.Time
	handler   http.Handler
	mux       *http.ServeMux
	loginFail *limiter // failed logins per email and address
	authPerIP *limiter // sign-in attempts per address
	sweep     func(ctx context.Context) (int, error)
	cron      string

	twilioToken string
	mailgunKey  string

	// engagements are the engagement actions per viewer (registration).
	engagements *rateLimiter

	pages site.Pages           // the viewer pages and sign-in
	dash  *dashboard.Dashboard // the host's pages

	secret       string
	emailFrom    string
	metrics      *metrics.Metrics
	metricsToken string
	signupClosed bool

	registerLimit  onair.RateLimit
	trustedProxies []netip.Prefix
	smsPolicy      phone.Policy
	hookGuard      webhook.Guard
}

// New builds the HTTP server's handler.
func New(cfg Config) *Server {
	s := &Server{
		store:     cfg.Store,
		appURL:    strings.TrimRight(cfg.AppURL, "/"),
		links:     links.New(cfg.AppURL, cfg.Secret),
		log:       cfg.Logger,
		now:       cfg.Now,
		mux:       http.NewServeMux(),
		loginFail: newLimiter(maxFailedLogins, authWindow),
		authPerIP: newLimiter(maxAuthPerIP, authWindow),
		sweep:     cfg.Sweep,
		cron:      cfg.CronSecret,

		secret:       cfg.Secret,
		emailFrom:    cfg.EmailFrom,
		metrics:      cfg.Metrics,
		metricsToken: cfg.MetricsToken,
		signupClosed: cfg.SignupClosed,
		twilioToken:  cfg.TwilioAuthToken,
		mailgunKey:   cfg.MailgunSigningKey,

		engagements: newRateLimiter(maxEngagementsPerSecond, time.Second),

		registerLimit:  cfg.RegisterLimit,
		trustedProxies: cfg.TrustedProxies,
		smsPolicy:      defaultSMSPolicy,
		hookGuard:      cfg.Webhooks,
	}
	if cfg.SMSPolicy != nil {
		s.smsPolicy = *cfg.SMSPolicy
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	// The templates are embedded: a broken one is a build defect.
	pages, err := site.ParsePages(ui.FS, "templates")
	if err != nil {
		panic(err)
	}
	s.pages = pages
	if s.dash, err = dashboard.New(dashboard.Deps{Store: s.store, Links: s.links, Clock: s.clock, EmailFrom: cfg.EmailFrom,
		AddWebhook: s.addWebhook, SecureCookies: s.secureCookies(),
		SendNow: cfg.SendNow, NormalizePhone: normalizePhone}); err != nil {
		panic(err)
	}
	s.metrics.CountViewers(func(ctx context.Context) (int, error) { return s.store.ActiveViewers(ctx, s.clock()) })
	s.routes()
	s.handler = s.secureHeaders(s.recoverer(s.logRequests(s.limitBody(s.fallback(s.mux)))))
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// clock returns the current time, in UTC and to the microsecond that the
// store keeps.
func (s *Server) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// handler is an HTTP handler that returns its error instead of writing it.
type handler func(w http.ResponseWriter, r *http.Request) error

// api adapts h: its error becomes the API's JSON error.
func (s *Server) api(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// hostHandler is a handler that needs the signed-in host.
type hostHandler func(w http.ResponseWriter, r *http.Request, host onair.Host) error

// host adapts h: the request must carry a host's credentials.
func (s *Server) host(h hostHandler) http.Handler {
	return s.api(func(w http.ResponseWriter, r *http.Request) error {
		host, err := s.authenticate(r)
		if err != nil {
			return err
		}
		return h(w, r, host)
	})
}
