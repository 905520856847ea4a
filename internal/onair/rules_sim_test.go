package onair

import (
	"fmt"
	"slices"
	"time"
)

// world is the state a history drives: what the store would hold, with
// the rules applied as the store applies them.
type world struct {
	h          history
	now        time.Time
	ev         Event
	notifs     []*Notification
	regs       []*simReg
	deliveries []*simDelivery
	sent       []sentMessage
	downFrom   time.Time // delivery is down in [downFrom, downUntil)
	downUntil  time.Time
	delayIndex int
	// cancelled and ended are, once the event was cancelled or ended, how
	// many messages had left before: the rules hold for those after.
	cancelled  *int
	ended      *int
	violations []string
	tally      tally
}

type simReg struct {
	r Registration
	// unsubscribedAt is, once the registrant unsubscribed, how many
	// messages had left before.
	unsubscribedAt *int
}

type simDelivery struct {
	n       *Notification
	reg     *simReg
	ch      Channel
	claimAt time.Time
	status  DeliveryStatus
	reason  string
}

// sentMessage is a message that left: the notification as it was then,
// the event as it was then, to whom, when.
type sentMessage struct {
	n   Notification
	ev  Event
	reg *simReg
	ch  Channel
	at  time.Time
}

func (w *world) violate(format string, args ...any) {
	w.violations = append(w.violations, fmt.Sprintf("at %s: ", w.now.UTC().Format(time.RFC3339))+fmt.Sprintf(format, args...))
}

// tally is what a history did, to show that the histories reach the
// cases the rules are about.
type tally struct {
	sent, skipped, stale, late int
	held, quiet, otherArm      int
}

func (a *tally) add(b tally) {
	a.sent, a.skipped, a.stale, a.late = a.sent+b.sent, a.skipped+b.skipped, a.stale+b.stale, a.late+b.late
	a.held, a.quiet, a.otherArm = a.held+b.held, a.quiet+b.quiet, a.otherArm+b.otherArm
}

// run plays the history and returns the rules it saw broken.
func (h history) run() ([]string, tally) {
	intervals, err := ParseIntervals(h.intervals)
	if err != nil {
		return []string{"bad ladder: " + err.Error()}, tally{}
	}
	created := h.start.Add(-h.lead)
	w := &world{h: h, now: created}
	w.ev = Event{ID: NewID(), HostID: "host", Title: "t", Status: StatusScheduled, ScheduledStart: h.start.UTC(),
		Timezone: h.zone, DurationMinutes: 60, RegistrationEnabled: true, Intervals: intervals, Version: 1,
		Notifications: NotificationSettings{EmailEnabled: h.email, SMSEnabled: h.sms}, CreatedAt: created, UpdatedAt: created}
	if h.ab {
		b, err := ParseIntervals(h.intervalsB)
		if err != nil {
			return []string{"bad ladder b: " + err.Error()}, tally{}
		}
		w.ev.ABTest = &ABTest{IntervalsB: b}
	}
	if h.quiet {
		q := DefaultQuietHours
		w.ev.Notifications.SMSQuietHours = &q
	}
	for _, n := range PlanReminders(w.ev, created) {
		w.notifs = append(w.notifs, &n)
	}
	w.checkPlan()
	for _, a := range h.actions {
		w.advance(created.Add(a.at))
		w.act(a)
	}
	w.advance(w.ev.ScheduledStart.Add(5 * 24 * time.Hour))
	w.checkSent()
	return w.violations, w.tally
}

func (w *world) down(t time.Time) bool { return !t.Before(w.downFrom) && t.Before(w.downUntil) }

// advance lets delivery work until to: every dispatch and claim that falls
// due, in time order, and none while delivery is down (what fell due then
// waits for the recovery).
func (w *world) advance(to time.Time) {
	for {
		next, ok := time.Time{}, false
		consider := func(t time.Time) {
			if w.down(t) {
				t = w.downUntil
			}
			if !t.After(to) && (!ok || t.Before(next)) {
				next, ok = t, true
			}
		}
		for _, n := range w.notifs {
			if n.Status == NotifScheduled {
				consider(n.ScheduledTime)
			}
		}
		for _, d := range w.deliveries {
			if d.status == DeliveryPending {
				consider(d.claimAt)
			}
		}
		if !ok {
			break
		}
		if next.After(w.now) {
			w.now = next
		}
		w.work()
	}
	if to.After(w.now) {
		w.now = to
	}
}

// work dispatches the notifications due at now, then claims the deliveries
// due at now.
func (w *world) work() {
	due := []*Notification{}
	for _, n := range w.notifs {
		if n.Status == NotifScheduled && !n.ScheduledTime.After(w.now) {
			due = append(due, n)
		}
	}
	slices.SortStableFunc(due, func(a, b *Notification) int { return a.ScheduledTime.Compare(b.ScheduledTime) })
	for _, n := range due {
		w.dispatch(n)
	}
	for _, d := range w.deliveries {
		if d.status == DeliveryPending && !d.claimAt.After(w.now) {
			w.claim(d)
		}
	}
}

// dispatch is the store's DispatchStep: a stale notification is skipped
// with its reason; otherwise a delivery for every registrant that
// RecipientReason accepts (the fan-out's recipientSQL).
func (w *world) dispatch(n *Notification) {
	reason := StaleReason(*n, w.ev, w.now)
	w.checkStale(*n, reason)
	if reason != "" {
		n.Status, n.ErrorDetails = NotifSkipped, reason
		w.tally.stale++
		return
	}
	n.Status = NotifSending
	for _, sr := range w.regs {
		switch {
		case RecipientReason(sr.r, n.Channel) != "":
		case ArmReason(*n, sr.r) != "":
			w.tally.otherArm++
		default:
			w.deliver(n, sr, n.Channel)
		}
	}
	w.settle(n)
}

func (w *world) deliver(n *Notification, sr *simReg, ch Channel) {
	delay := w.h.delays[w.delayIndex%len(w.h.delays)]
	w.delayIndex++
	n.Recipients++
	w.deliveries = append(w.deliveries, &simDelivery{n: n, reg: sr, ch: ch, claimAt: w.now.Add(delay), status: DeliveryPending})
}

// claim is the store's claim: SendBlockedReason at now decides, then the
// quiet hours, which may put the delivery back until their end.
func (w *world) claim(d *simDelivery) {
	reason := SendBlockedReason(*d.n, w.ev, d.reg.r, d.ch, false, w.now)
	if reason == "" {
		until, why := SMSQuietHold(*d.n, w.ev, d.reg.r, w.now)
		switch {
		case why != "":
			reason = why
			w.tally.quiet++
		case !until.IsZero():
			d.claimAt = until
			w.tally.held++
			return
		}
	}
	if reason != "" {
		d.status, d.reason = DeliverySkipped, reason
		d.n.SkippedCount++
		w.tally.skipped++
		if reason == ReasonRegisteredLate {
			w.tally.late++
		}
	} else {
		d.status = DeliverySent
		d.n.SentCount++
		w.tally.sent++
		w.sent = append(w.sent, sentMessage{n: *d.n, ev: w.ev, reg: d.reg, ch: d.ch, at: w.now})
	}
	w.settle(d.n)
}

// settle is refreshStatus: the notification's status from its counts.
func (w *world) settle(n *Notification) {
	switch n.Status {
	case NotifSending, NotifSent, NotifPartiallyFailed, NotifFailed:
		n.Status = OutcomeStatus(n.Recipients, n.SentCount, n.FailedCount, n.SkippedCount)
	}
}

// act applies one action of the history at now.
func (w *world) act(a action) {
	before := w.ev
	switch a.kind {
	case actRegister:
		w.register(a.phone)
		return
	case actUnsubscribe:
		if a.index < len(w.regs) && w.regs[a.index].r.Status == RegRegistered {
			sr := w.regs[a.index]
			sr.r.Status = RegUnsubscribed
			sr.unsubscribedAt = w.mark()
		}
		return
	case actGap:
		w.downFrom, w.downUntil = w.now, w.now.Add(a.delta)
		return
	case actReschedule:
		start := w.ev.ScheduledStart.Add(a.delta).UTC().Format(time.RFC3339)
		after, _, err := w.ev.Update(EventInput{ScheduledStart: &start}, w.now)
		if err != nil {
			return
		}
		w.ev = after
	case actCancel:
		after, err := w.ev.Cancel(w.now)
		if err != nil {
			return
		}
		w.ev = after
		w.cancelled = w.mark()
	case actGoLive:
		after, err := w.ev.Start(w.now)
		if err != nil {
			return
		}
		w.ev = after
	case actEnd:
		after, err := w.ev.End(w.now)
		if err != nil {
			return
		}
		w.ev = after
		w.ended = w.mark()
	}
	w.replan(a.kind, before)
}

// mark is the point the history has reached, as the number of messages
// that left before it.
func (w *world) mark() *int {
	n := len(w.sent)
	return &n
}

func (w *world) register(phone bool) {
	if _, err := w.ev.RegistrationClosed(w.now); err != nil {
		return
	}
	r := Registration{ID: NewID(), EventID: w.ev.ID, Status: RegRegistered, Timezone: w.h.zone,
		Email: fmt.Sprintf("v%d@example.com", len(w.regs)), CreatedAt: w.now, UpdatedAt: w.now}
	if w.ev.ABTest != nil {
		w.ev.ABSeq++
		r.Arm = ArmFor(w.ev.ABSeq)
	}
	if phone {
		r.Phone = fmt.Sprintf("+1415555%04d", len(w.regs))
	}
	sr := &simReg{r: r}
	w.regs = append(w.regs, sr)
	for _, ch := range ConfirmationChannels(w.ev, r) {
		var conf *Notification
		for _, n := range w.notifs {
			if n.Kind == KindConfirmation && n.Channel == ch {
				conf = n
			}
		}
		if conf == nil {
			conf = &Notification{ID: NewID(), EventID: w.ev.ID, Kind: KindConfirmation, Channel: ch,
				ScheduledTime: w.now, Status: NotifSending, EventVersion: w.ev.Version, CreatedAt: w.now}
			w.notifs = append(w.notifs, conf)
		}
		conf.Status = NotifSending // as the store's bump of its recipients does
		w.deliver(conf, sr, ch)
	}
}

// replan is what the store does with a change of the event.
func (w *world) replan(kind actionKind, before Event) {
	existing := make([]Notification, len(w.notifs))
	for i, n := range w.notifs {
		existing[i] = *n
	}
	pc := Replan(before, w.ev, existing, w.now)
	for _, u := range pc.Update {
		for _, n := range w.notifs {
			if n.ID == u.ID {
				*n = u
			}
		}
	}
	for _, n := range pc.Insert {
		w.notifs = append(w.notifs, &n)
	}
	w.checkReplan(kind, before, pc)
}
