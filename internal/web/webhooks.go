package web

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/notify/mailgun"
	"github.com/onair-live/onair/internal/notify/twilio"
	"github.com/onair-live/onair/internal/onair"
)

// SMS keywords, as carriers and Twilio understand them.
var (
	stopWords  = map[string]bool{"STOP": true, "STOPALL": true, "UNSUBSCRIBE": true, "CANCEL": true, "END": true, "QUIT": true}
	startWords = map[string]bool{"START": true, "YES": true, "UNSTOP": true}
	helpWords  = map[string]bool{"HELP": true, "INFO": true}
)

// twilioInbound takes the SMS replies Twilio forwards. STOP ends SMS to the
// number, START lifts that, HELP gets a short answer. Only requests signed
// with the account's auth token are believed.
func (s *Server) twilioInbound(w http.ResponseWriter, r *http.Request) error {
	if s.twilioToken == "" {
		return onair.Errorf(onair.ErrNotFound, "not_found", "Twilio is not configured")
	}
	if err := r.ParseForm(); err != nil {
		return onair.Errorf(onair.ErrInvalid, "bad_request", "the body must be a form")
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" || !twilio.ValidSignature(s.twilioToken, s.appURL+r.URL.RequestURI(), r.PostForm, sig) {
		return onair.Errorf(onair.ErrForbidden, "bad_signature", "the X-Twilio-Signature header is missing or wrong")
	}
	from, err := normalizePhone(r.PostForm.Get("From"))
	if err != nil {
		return onair.Invalid("From", err.Error())
	}
	word, _, _ := strings.Cut(strings.ToUpper(strings.TrimSpace(r.PostForm.Get("Body"))), " ")
	reply := ""
	switch {
	case stopWords[word]:
		if _, err := s.store.SuppressPhone(r.Context(), from, s.clock()); err != nil {
			return err
		}
	case startWords[word]:
		if err := s.store.UnsuppressPhone(r.Context(), from); err != nil {
			return err
		}
	case helpWords[word]:
		reply = "onair event reminders. Reply STOP to stop them, START to get them again."
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, xml.Header+"<Response>")
	if reply != "" {
		fmt.Fprint(w, "<Message>")
		xml.EscapeText(w, []byte(reply))
		fmt.Fprint(w, "</Message>")
	}
	fmt.Fprint(w, "</Response>")
	return nil
}

// mailgunEvent is the part of a Mailgun event webhook onair reads.
type mailgunEvent struct {
	Signature struct {
		Timestamp string `json:"timestamp"`
		Token     string `json:"token"`
		Signature string `json:"signature"`
	} `json:"signature"`
	EventData mailgunEventData `json:"event-data"`
}

// mailgunEventData is what the event says of one message.
type mailgunEventData struct {
	Event          string         `json:"event"`
	Severity       string         `json:"severity"`
	Reason         string         `json:"reason"`
	UserVariables  map[string]any `json:"user-variables"`
	DeliveryStatus struct {
		Code        int    `json:"code"`
		Message     string `json:"message"`
		Description string `json:"description"`
	} `json:"delivery-status"`
}

// mailgunMaxAge bounds how old a signed webhook may be: with the tokens
// already seen (kept twice as long, for clocks apart), it stops a captured
// request from being replayed.
const mailgunMaxAge = 15 * time.Minute

// mailgunWebhook takes Mailgun's events about messages it sent for us: a
// permanent failure (a bounce) or a complaint suppresses the address, an
// unsubscribe through Mailgun's link unsubscribes the registration, and
// opens and clicks that Mailgun tracked count as the pixel and the click
// redirect count theirs. "delivered" needs nothing: a message is counted
// delivered unless it bounces.
func (s *Server) mailgunWebhook(w http.ResponseWriter, r *http.Request) error {
	if s.mailgunKey == "" {
		return onair.Errorf(onair.ErrNotFound, "not_found", "Mailgun webhooks are not configured")
	}
	var ev mailgunEvent
	if err := decodeForeignJSON(r, &ev); err != nil {
		return err
	}
	sig := ev.Signature
	ts, err := strconv.ParseInt(sig.Timestamp, 10, 64)
	now := s.clock()
	if err != nil || !mailgun.VerifyWebhookSignature(s.mailgunKey, sig.Timestamp, sig.Token, sig.Signature) ||
		math.Abs(now.Sub(time.Unix(ts, 0)).Seconds()) > mailgunMaxAge.Seconds() {
		return onair.Errorf(onair.ErrForbidden, "bad_signature", "the webhook signature is missing, wrong or too old")
	}
	// Exactly one of any number of copies of one webhook, on any node, is
	// first: an open or a click it reports counts once. A node that dies
	// between this and recording the report loses that one report (its
	// copies are refused as replays): a figure may miss one, never doubles.
	token := "mailgun:" + sig.Token
	first, err := s.store.FirstWebhook(r.Context(), token, now, 2*mailgunMaxAge)
	if err != nil {
		return err
	}
	if !first {
		return onair.Errorf(onair.ErrForbidden, "replayed", "this webhook was already received")
	}
	status, err := s.recordMailgunEvent(r, ev.EventData, now)
	if err != nil {
		// Mailgun sends it again: let that copy be first.
		if ferr := s.store.ForgetWebhook(context.WithoutCancel(r.Context()), token); ferr != nil {
			s.log.ErrorContext(r.Context(), "forgetting a Mailgun webhook failed", "err", ferr)
		}
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": status})
	return nil
}

// recordMailgunEvent records what a Mailgun event says of a delivery, and
// returns the status to answer with.
func (s *Server) recordMailgunEvent(r *http.Request, d mailgunEventData, now time.Time) (string, error) {
	id, ok := deliveryID(d.UserVariables["onair-delivery"])
	if !ok {
		return "ignored: not a message of onair", nil
	}
	ctx := r.Context()
	why := strings.TrimSpace(fmt.Sprintf("%s %d %s %s", d.Reason, d.DeliveryStatus.Code, d.DeliveryStatus.Message, d.DeliveryStatus.Description))
	var err error
	switch {
	case d.Event == "failed" && d.Severity == "permanent":
		err = s.store.SuppressDeliveryAddress(ctx, id, "bounced: "+why, true, now)
	case d.Event == "complained":
		err = s.store.SuppressDeliveryAddress(ctx, id, "complaint", false, now)
	case d.Event == "unsubscribed":
		err = s.store.UnsubscribeDelivery(ctx, id, now)
	case d.Event == "opened":
		err = ignoreNotFound(s.store.RecordReportedOpen(ctx, id, now))
	case d.Event == "clicked":
		err = ignoreNotFound(s.store.RecordReportedClick(ctx, id, now))
	}
	return "ok", err
}

// deliveryID reads the delivery id Mailgun echoes back, a string or a number.
// A JSON number names one integer exactly only below 2^53; from there, it may
// stand for another delivery (or overflow int64), so it names none.
func deliveryID(v any) (int64, bool) {
	switch x := v.(type) {
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil && n > 0
	case float64:
		if x <= 0 || x >= 1<<53 || x != math.Trunc(x) {
			return 0, false
		}
		return int64(x), true
	}
	return 0, false
}

// ignoreNotFound is err, unless it says the delivery no longer exists (its
// event was deleted): then the report has nothing left to count.
func ignoreNotFound(err error) error {
	if errors.Is(err, onair.ErrNotFound) {
		return nil
	}
	return err
}
