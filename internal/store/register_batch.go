package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// A batch of registrations runs in three steps. Read (and on PostgreSQL
// lock, in one order on every node: events by id, then rate limits by key)
// everything the batch's registrations may touch. Decide each registration
// in Go, one after the other in arrival order, exactly as if each ran alone
// on the state the ones before it left. Write what the accepted ones change,
// each table once. A refused registration writes nothing, so it needs no
// savepoint of its own; a write the database refuses fails the batch, which
// commitRegistrations then splits.
//
// The statements are the dialect's (batchQueries): on SQLite one prepared
// statement per row, cheap in-process; on PostgreSQL a few statements per
// batch whatever its size, over arrays, since each round trip to the server
// costs more than a registration's whole share of the batch.

// emailKey names a registration by its event and normalized email.
type emailKey struct{ eventID, email string }

// viewerKey names a viewer profile by its host and normalized email.
type viewerKey struct{ hostID, email string }

// noteKey names an event's notification of one personal kind (a
// confirmation, a waitlisted message) on one channel.
type noteKey struct {
	eventID string
	kind    onair.NotificationKind
	channel onair.Channel
}

// knownRegistration is a registration the batch may find a repeat of.
type knownRegistration struct {
	id     string
	status onair.RegistrationStatus
}

// sentConfirmation is one email confirmation delivery of a registration.
type sentConfirmation struct {
	seq int
	at  int64
}

// limitRow is a rate limit's hits as the batch leaves them.
type limitRow struct {
	key     string
	hits    string
	expires int64
}

// viewerRow is the one upsert of a viewer profile for all the batch's
// registrations with that host and email, merged in their order: the last
// non-empty value of each field wins, as successive upserts would leave it.
type viewerRow struct {
	key                                 viewerKey
	id, email                           string
	firstName, lastName, phone, company string
	timezone                            string
	createdAt, updatedAt                int64
	viewerID                            string // set by the upsert
	registrations                       []int  // indexes in batch.registrations
}

// registrationRow is a new registration with the times it is stored with
// and, waitlisted, its place in line (0 otherwise).
type registrationRow struct {
	r   onair.Registration
	at  int64
	seq int
}

// eventCounts is what a batch adds to an event's counters: seats taken,
// registrants waiting, and the last place in line it handed out (0: none).
type eventCounts struct {
	registered, waitlisted, seq int
	abSeq                       int // the A/B test's last arm count (0: none)
}

// noteRow is a confirmation notification the batch creates.
type noteRow struct {
	id      string
	key     noteKey
	at      int64
	version int
}

// noteBump is what the batch adds to a confirmation notification.
type noteBump struct {
	recipients int
	at         int64
}

// deliveryRow is a new confirmation delivery.
type deliveryRow struct {
	notificationID, registrationID string
	channel                        onair.Channel
	seq                            int
	at                             int64
}

// batchWrites are what a batch's accepted registrations change.
type batchWrites struct {
	limits        []limitRow             // by key
	viewers       []*viewerRow           // by host and email
	registrations []registrationRow      // in arrival order
	counts        map[string]eventCounts // by event
	bumps         map[string]noteBump
	deliveries    []deliveryRow
}

// batchQueries are one dialect's statements for the steps of a batch, in
// its transaction.
type batchQueries interface {
	// events reads and locks the events with these ids (sorted).
	events(ctx context.Context, ids []string) ([]onair.Event, error)
	// lookup finds, once the events are locked, the stored registrations of
	// keys and the events' confirmation notifications, and reads and locks
	// the rate limits of limitKeys (sorted), those not stored yet too.
	lookup(ctx context.Context, eventIDs []string, keys []emailKey, limitKeys []string) (*lookup, error)
	// confirmations lists the email confirmation deliveries of these
	// registrations.
	confirmations(ctx context.Context, regIDs []string) (map[string][]sentConfirmation, error)
	insertNotes(ctx context.Context, rows []noteRow) error
	// write stores w and returns the ids of its deliveries.
	write(ctx context.Context, w *batchWrites) ([]int64, error)
}

// lookup is what a batch reads once its events are locked.
type lookup struct {
	known map[emailKey]knownRegistration
	hits  map[string]string
	notes map[noteKey]string
}

// registerBatch runs reqs in one transaction and returns each one's answer.
func (s *Store) registerBatch(ctx context.Context, reqs []*registerRequest) ([]registerResult, error) {
	if s.dialect == SQLite {
		// Before the transaction: it holds the one connection.
		if err := s.prepareSQLite(ctx); err != nil {
			return nil, err
		}
	}
	var results []registerResult
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		b := &batch{q: s.batchQueries(tx)}
		if err := b.read(ctx, reqs); err != nil {
			return err
		}
		results = make([]registerResult, len(reqs))
		for i, req := range reqs {
			results[i] = b.decide(req)
		}
		ids, err := b.write(ctx)
		if err != nil {
			return err
		}
		if err := s.queueHooks(ctx, tx, b.registrationHooks()); err != nil {
			return err
		}
		// The confirmations' send jobs, one batch's worth at once.
		return s.enqueueSend(ctx, tx, ids)
	})
	return results, err
}

// registrationHooks are the registration.created webhooks of the batch's
// new registrations, and registration.waitlisted for those that joined a
// waitlist.
func (b *batch) registrationHooks() []HookFact {
	facts := make([]HookFact, 0, len(b.registrations))
	for i := range b.registrations {
		r := &b.registrations[i].r
		r.CreatedAt, r.UpdatedAt = fromDB(b.registrations[i].at), fromDB(b.registrations[i].at)
		facts = append(facts, HookFact{Type: onair.HookRegistrationCreated, HostID: r.HostID, At: r.CreatedAt, Registration: r})
		if r.Status == onair.RegWaitlisted {
			facts = append(facts, HookFact{Type: onair.HookRegistrationWaitlisted, HostID: r.HostID, At: r.CreatedAt, Registration: r})
		}
	}
	return facts
}

// batch is the state of one batch's transaction.
type batch struct {
	q batchQueries

	events  map[string]*onair.Event
	notes   map[noteKey]string // confirmation notifications, by event and channel
	known   map[emailKey]knownRegistration
	hits    map[string]string
	history map[string][]sentConfirmation

	// what the accepted registrations change
	limits        map[string]limitRow
	viewers       map[viewerKey]*viewerRow
	registrations []registrationRow
	counts        map[string]eventCounts
	newNotes      []noteRow
	bumps         map[string]noteBump
	deliveries    []deliveryRow
}

// read fetches (and locks) what the batch's registrations may touch.
func (b *batch) read(ctx context.Context, reqs []*registerRequest) error {
	eventIDs := map[string]bool{}
	for _, req := range reqs {
		eventIDs[req.reg.EventID] = true
	}
	evs, err := b.q.events(ctx, slices.Sorted(maps.Keys(eventIDs)))
	if err != nil {
		return err
	}
	b.events = make(map[string]*onair.Event, len(evs))
	found := make([]string, len(evs))
	for i := range evs {
		b.events[evs[i].ID] = &evs[i]
		found[i] = evs[i].ID
	}

	// Only the registrations their event may take look further: for
	// repeats, and at the limits they may count against.
	var keys []emailKey
	limitKeys := map[string]bool{}
	for _, req := range reqs {
		ev := b.events[req.reg.EventID]
		if ev == nil {
			continue
		}
		if reason, closed := ev.RegistrationClosed(req.now); closed != nil && reason != onair.ClosedFull {
			continue
		}
		keys = append(keys, emailKey{ev.ID, onair.NormalizeEmail(req.reg.Email)})
		for _, l := range req.limits {
			if !l.Rate.Off() {
				limitKeys[l.Key] = true
			}
		}
		if !ev.Full() || ev.WaitlistEnabled {
			if l := emailLimit(req.reg.Email); !l.Rate.Off() {
				limitKeys[l.Key] = true
			}
		}
	}
	b.history = map[string][]sentConfirmation{}
	if len(keys) == 0 {
		return nil
	}
	l, err := b.q.lookup(ctx, found, keys, slices.Sorted(maps.Keys(limitKeys)))
	if err != nil {
		return err
	}
	b.known, b.hits, b.notes = l.known, l.hits, l.notes
	var repeated []string // stored registrations that may be sent their confirmation again
	for k, first := range b.known {
		if len(onair.ResendChannels(*b.events[k.eventID], first.status)) > 0 {
			repeated = append(repeated, first.id)
		}
	}
	if len(repeated) > 0 {
		b.history, err = b.q.confirmations(ctx, repeated)
	}
	return err
}

// decide answers req on the state the requests before it left, and records
// what it changes.
func (b *batch) decide(req *registerRequest) registerResult {
	r, now := req.reg, req.now
	ev := b.events[r.EventID]
	if ev == nil {
		return registerResult{err: errNoSuchEvent}
	}
	refuse := func(err error) registerResult { return registerResult{ev: *ev, err: err} }
	if a := req.against; a != nil && (a.Timezone != ev.Timezone || a.Notifications.SMSEnabled != ev.Notifications.SMSEnabled ||
		!onair.SameQuestions(a.RegistrationFields, ev.RegistrationFields)) {
		return refuse(ErrEventChanged)
	}
	reason, closed := ev.RegistrationClosed(now)
	if closed != nil && reason != onair.ClosedFull {
		return refuse(closed)
	}
	// Hits are counted here and kept only if the attempt is not refused.
	taken := map[string]limitRow{}
	take := func(l Limit) error {
		if l.Rate.Off() {
			return nil
		}
		raw := b.hits[l.Key]
		if row, ok := taken[l.Key]; ok {
			raw = row.hits
		} else if row, ok := b.limits[l.Key]; ok {
			raw = row.hits
		}
		hits, expires, err := takeHit(raw, l, now)
		if err == nil {
			taken[l.Key] = limitRow{key: l.Key, hits: hits, expires: expires}
		}
		return err
	}
	for _, l := range req.limits {
		if err := take(l); err != nil {
			return refuse(err)
		}
	}
	key := emailKey{ev.ID, onair.NormalizeEmail(r.Email)}
	if first, ok := b.known[key]; ok {
		// The answer is a conflict, but the attempt counts, and the
		// confirmation goes again to the address that was registered.
		b.keepHits(taken)
		if chs := onair.ResendChannels(*ev, first.status); len(chs) > 0 {
			b.resend(ev, first.id, chs, now)
		}
		return refuse(onair.ErrAlreadyRegistered)
	}
	status, err := ev.Admit(now)
	if err != nil {
		return refuse(err)
	}
	if err := take(emailLimit(r.Email)); err != nil {
		return refuse(err)
	}
	b.keepHits(taken)

	r.HostID = ev.HostID
	row := b.admit(ev, r, status, dbTime(now))
	b.known[key] = knownRegistration{id: r.ID, status: row.r.Status}
	return registerResult{ev: *ev, reg: row.r}
}

// admit records r's entry into ev with status (a seat, or the waitlist),
// the counters it moves and the message it is sent.
func (b *batch) admit(ev *onair.Event, r onair.Registration, status onair.RegistrationStatus, at int64) registrationRow {
	if b.counts == nil {
		b.counts = map[string]eventCounts{}
	}
	counts := b.counts[ev.ID]
	row := registrationRow{r: r, at: at}
	if ev.ABTest != nil {
		// The arm, from the event's count under its lock: alternate in
		// the order the batch decides, which is the order of arrival.
		ev.ABSeq++
		counts.abSeq = ev.ABSeq
		row.r.Arm = onair.ArmFor(ev.ABSeq)
	}
	kind := onair.KindConfirmation
	if status == onair.RegWaitlisted {
		row.r.Status = status
		row.seq = b.waitlist(ev, &row.r, &counts)
		kind = onair.KindWaitlisted
	} else {
		ev.RegistrationCount++
		counts.registered++
	}
	b.counts[ev.ID] = counts
	b.registrations = append(b.registrations, row)
	b.addViewer(row.r, at, len(b.registrations)-1)
	b.addMessages(ev, r.ID, kind, onair.ConfirmationChannels(*ev, row.r), 0, at)
	return row
}

// waitlist puts r at the end of ev's waitlist: the one place a
// registration joins a waitlist (its row is written with the batch, in the
// batch's transaction). It returns r's place in line.
func (b *batch) waitlist(ev *onair.Event, r *onair.Registration, counts *eventCounts) int {
	ev.WaitlistSeq++
	ev.WaitlistCount++
	counts.waitlisted++
	counts.seq = ev.WaitlistSeq
	r.WaitlistPosition = ev.WaitlistCount
	return ev.WaitlistSeq
}

func (b *batch) keepHits(taken map[string]limitRow) {
	if b.limits == nil {
		b.limits = map[string]limitRow{}
	}
	maps.Copy(b.limits, taken)
}

// resend sends the confirmation again on chs to a registration, as often
// as onair.ResendAllowed lets it.
func (b *batch) resend(ev *onair.Event, regID string, chs []onair.Channel, now time.Time) {
	var resent []time.Time
	lastSeq := 0
	for _, c := range b.history[regID] {
		if c.seq > 0 {
			resent = append(resent, fromDB(c.at))
		}
		lastSeq = max(lastSeq, c.seq)
	}
	if !onair.ResendAllowed(resent, now) {
		return
	}
	b.addMessages(ev, regID, onair.KindConfirmation, chs, lastSeq+1, dbTime(now))
}

// addMessages adds one delivery of kind (a confirmation, a waitlisted
// message) per channel (seq 0 for the first, more for each confirmation
// sent again), creating the event's notification of that kind and channel
// on first use.
func (b *batch) addMessages(ev *onair.Event, regID string, kind onair.NotificationKind, channels []onair.Channel, seq int, at int64) {
	byID := map[string]onair.Channel{}
	for _, ch := range channels {
		k := noteKey{ev.ID, kind, ch}
		nid, ok := b.notes[k]
		if !ok {
			nid = onair.NewID()
			b.notes[k] = nid
			b.newNotes = append(b.newNotes, noteRow{id: nid, key: k, at: at, version: ev.Version})
		}
		byID[nid] = ch
	}
	if b.bumps == nil {
		b.bumps = map[string]noteBump{}
	}
	for _, nid := range slices.Sorted(maps.Keys(byID)) {
		bump := b.bumps[nid]
		bump.recipients++
		bump.at = at
		b.bumps[nid] = bump
		b.deliveries = append(b.deliveries, deliveryRow{notificationID: nid, registrationID: regID,
			channel: byID[nid], seq: seq, at: at})
		if byID[nid] == onair.ChannelEmail && kind == onair.KindConfirmation {
			b.history[regID] = append(b.history[regID], sentConfirmation{seq: seq, at: at})
		}
	}
}

// addViewer merges r into the upsert of its viewer profile.
func (b *batch) addViewer(r onair.Registration, at int64, index int) {
	k := viewerKey{r.HostID, onair.NormalizeEmail(r.Email)}
	if b.viewers == nil {
		b.viewers = map[viewerKey]*viewerRow{}
	}
	v := b.viewers[k]
	if v == nil {
		v = &viewerRow{key: k, id: onair.NewID(), createdAt: at}
		b.viewers[k] = v
	}
	v.email, v.timezone, v.updatedAt = r.Email, r.Timezone, at
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&v.firstName, r.FirstName}, {&v.lastName, r.LastName}, {&v.phone, r.Phone}, {&v.company, r.Company},
	} {
		if f.src != "" {
			*f.dst = f.src
		}
	}
	v.registrations = append(v.registrations, index)
}

// write stores what the accepted registrations change, and returns the new
// deliveries.
func (b *batch) write(ctx context.Context) ([]int64, error) {
	if len(b.newNotes) > 0 {
		if err := b.q.insertNotes(ctx, b.newNotes); err != nil {
			return nil, err
		}
	}
	w := &batchWrites{registrations: b.registrations, counts: b.counts, bumps: b.bumps, deliveries: b.deliveries}
	for _, k := range slices.Sorted(maps.Keys(b.limits)) {
		w.limits = append(w.limits, b.limits[k])
	}
	w.viewers = slices.SortedFunc(maps.Values(b.viewers), func(a, c *viewerRow) int {
		if a.key.hostID != c.key.hostID {
			return strings.Compare(a.key.hostID, c.key.hostID)
		}
		return strings.Compare(a.key.email, c.key.email)
	})
	if len(w.limits) == 0 && len(w.registrations) == 0 && len(w.deliveries) == 0 {
		return nil, nil
	}
	return b.q.write(ctx, w)
}
