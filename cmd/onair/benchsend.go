package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/onair-live/onair/internal/links"
	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/smtp"
	"github.com/onair-live/onair/internal/onair"
)

// sleepUntil waits until t or the end of ctx.
func sleepUntil(ctx context.Context, t time.Time) error {
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-time.After(time.Until(t)):
		return nil
	}
}

// reminder adds a reminder due a few seconds ahead and measures its
// delivery to every viewer: from its time to the first and the last
// message at the sink, the duplicates, and the peak memory of the onair
// processes meanwhile. With --cpuprofile it returns the channel on which
// the profile's fetch reports.
func (b *bench) reminder(ctx context.Context) (<-chan error, error) {
	n := b.o.recipients
	// A custom interval puts the reminder at a known instant, to the second.
	due := time.Now().Add(reminderLead).Truncate(time.Second).Add(time.Second)
	interval := b.start.Sub(due).String()
	patch := map[string]any{"selected_intervals": []string{"1hour", interval}}
	if err := b.api(ctx, "PATCH", "/api/events/"+b.eventID, patch, http.StatusOK, nil); err != nil {
		return nil, err
	}
	if time.Until(due) < time.Second {
		return nil, fmt.Errorf("adding the reminder took until %v before its time: the machine is too busy to measure it", time.Until(due).Round(time.Millisecond))
	}
	if rem, err := b.notification(ctx, "reminder", interval); err != nil || rem.ID == "" {
		return nil, orTimeout(err, "onair planned no notification for the reminder "+interval)
	}

	fmt.Fprintf(b.stderr, "%-14s due at %s, in %.1fs\n", "reminder", due.Format("15:04:05"), time.Until(due).Seconds())
	if err := sleepUntil(ctx, due.Add(-600*time.Millisecond)); err != nil {
		return nil, err
	}
	var profile <-chan error
	var profiled time.Duration
	if b.o.cpuProfile != "" {
		profiled = profileSpan(n)
		profile = b.fetchCPUProfile(ctx, profiled)
		profiled -= 600 * time.Millisecond // what it covers after the reminder's time
	}
	if err := sleepUntil(ctx, due.Add(-100*time.Millisecond)); err != nil {
		return nil, err
	}
	pids := make([]int, len(b.procs))
	for i, p := range b.procs {
		pids[i] = p.Pid()
	}
	rss := watchRSS(pids)

	var arrived atomic.Int64
	var firstAt, lastAt time.Time // by onair's counts, without a sink
	period := 5 * time.Millisecond
	all := func() (bool, error) {
		if b.sink != nil {
			arrived.Store(int64(b.sink.distinct(mailReminder)))
			return arrived.Load() >= int64(n), nil
		}
		rem, err := b.notification(ctx, "reminder", interval)
		if err != nil {
			return false, err
		}
		now := time.Now()
		if rem.SentCount > 0 && firstAt.IsZero() {
			firstAt = now
		}
		arrived.Store(int64(rem.SentCount))
		if rem.settled() >= n {
			lastAt = now
			return true, nil
		}
		return false, nil
	}
	if b.sink == nil {
		period = 100 * time.Millisecond
	}
	b.prog.begin("reminder", n, func() int { return int(arrived.Load()) })
	_, err := b.waitUntil(ctx, due.Add(sendDeadline(n)), period, all)
	b.prog.end()
	if err != nil {
		return nil, fmt.Errorf("waiting for the reminder: %w", err)
	}
	// Every message is at the sink; onair has still to record the last
	// ones as sent. A message sent twice would be sent before that.
	settled := func() (bool, error) {
		rem, err := b.notification(ctx, "reminder", interval)
		return rem.settled() >= n, err
	}
	if _, err := b.waitUntil(ctx, time.Now().Add(30*time.Second), 20*time.Millisecond, settled); err != nil {
		return nil, err
	}
	peaks := rss.finish()
	b.res.PeakRSSMethod = rss.method
	for _, p := range peaks {
		b.res.PeakRSSBytes = max(b.res.PeakRSSBytes, p)
		b.res.PeakRSSBytesTotal += p
	}

	if b.sink != nil {
		t := b.sink.snapshot(mailReminder)
		b.res.Delivered = t.distinct
		b.res.Duplicates = t.messages - t.noDelivery - t.distinct
		b.res.ReminderRecipients = t.addresses
		firstAt, lastAt = t.first, t.lastNew
		b.res.OtherMessages = b.sink.snapshot(mailOther).messages
	} else {
		rem, err := b.notification(ctx, "reminder", interval)
		if err != nil {
			return nil, err
		}
		b.res.Delivered, b.res.Duplicates = rem.SentCount, -1
	}
	b.res.Lost = n - b.res.Delivered
	if !firstAt.IsZero() {
		b.res.DueToFirstHandoffS = firstAt.Sub(due).Seconds()
		b.res.DueToLastHandoffS = lastAt.Sub(due).Seconds()
	}
	if b.res.DueToLastHandoffS > 0 {
		b.res.DeliveryPerSec = float64(b.res.Delivered) / b.res.DueToLastHandoffS
	}
	if profile != nil && b.res.DueToLastHandoffS > profiled.Seconds() {
		fmt.Fprintf(b.stderr, "onair bench: the CPU profile covers the first %v of a send that took %.1fs\n",
			profiled, b.res.DueToLastHandoffS)
	}
	return profile, nil
}

// profileSpan is how long the CPU profile runs: it is asked for before the
// send, whose length is not known yet, so it is taken for a rate of a
// thousand messages a second, well under what one node does, plus a few
// seconds. A shorter send leaves idle time at the end, which a CPU profile
// does not count.
func profileSpan(n int) time.Duration {
	d := 4*time.Second + time.Duration(n)*time.Millisecond
	return min(d, sendDeadline(n)).Round(time.Second)
}

// fetchCPUProfile asks `onair serve` for its CPU profile over the next d
// and writes it to --cpuprofile.
func (b *bench) fetchCPUProfile(ctx context.Context, d time.Duration) <-chan error {
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			u := "http://" + b.pprofAddr + "/debug/pprof/profile?seconds=" + strconv.Itoa(int(d.Seconds()))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return fmt.Errorf("fetching the CPU profile: %w", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				msg, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
				return fmt.Errorf("fetching the CPU profile: status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
			}
			f, err := os.Create(b.o.cpuProfile)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, resp.Body); err != nil {
				f.Close()
				return fmt.Errorf("fetching the CPU profile: %w", err)
			}
			return f.Close()
		}()
	}()
	return done
}

// raw sends the reminder again, to as many recipients, over as many
// connections, with the client onair uses, straight to the SMTP server.
func (b *bench) raw(ctx context.Context) error {
	n := b.o.recipients
	var msg []byte
	if b.sink != nil {
		msg = b.sink.Sample()
	}
	if msg == nil {
		var err error
		if msg, err = b.equivalentMessage(); err != nil {
			return fmt.Errorf("rendering the raw SMTP run's message: %w", err)
		}
	}
	cfg, err := smtp.ParseURL(b.smtpURL)
	if err != nil {
		return err
	}
	from, _ := mail.ParseAddress(benchFrom)
	if b.sink != nil {
		b.sink.raw.Store(true)
		defer b.sink.raw.Store(false)
	}
	var done atomic.Int64
	b.prog.begin("raw SMTP", n, func() int { return int(done.Load()) })
	elapsed, err := rawSMTP(ctx, smtpTarget{cfg: cfg, from: from.Address}, b.o.smtpConns, n, msg, &done)
	b.prog.end()
	if err != nil {
		return fmt.Errorf("raw SMTP: %w", err)
	}
	b.res.RawSMTPPerSec = float64(n) / elapsed.Seconds()
	return nil
}

// equivalentMessage is the reminder as onair renders and composes it, for
// a run whose SMTP server is not the benchmark's sink: what onair would
// have sent to the first viewer.
func (b *bench) equivalentMessage() ([]byte, error) {
	now := time.Now().UTC()
	title, start, intervals := "onair bench", b.start.Format(time.RFC3339), []string{"1hour"}
	ev, err := onair.NewEvent("bench", onair.EventInput{Title: &title, ScheduledStart: &start, SelectedIntervals: &intervals}, now)
	if err != nil {
		return nil, err
	}
	ev.ID = b.eventID
	iv, err := onair.ParseInterval(b.start.Sub(now).Round(time.Second).String())
	if err != nil {
		return nil, err
	}
	reg := onair.Registration{ID: onair.NewID(), EventID: ev.ID, Email: viewerEmail(0), FirstName: "Viewer",
		Timezone: "Europe/Berlin", Status: onair.RegRegistered, CreatedAt: now}
	secret := onair.RandomString(32)
	c := notify.Content{Kind: onair.KindReminder, Interval: iv, Event: ev, Registration: reg,
		From: notify.NewSender(onair.HostSettings{}, benchFrom)}
	l := links.New(b.baseURL, secret)
	v := l.Viewer(reg)
	c.WatchURL, c.CalendarURL, c.UnsubscribeURL = v.Watch, v.Calendar, v.Unsubscribe
	c.Track, c.OpenPixelURL = l.Tracking(onair.NewID(), 1)
	m, err := notify.RenderEmail(c)
	if err != nil {
		return nil, err
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(benchFrom); err != nil {
		return nil, err
	}
	if err := msg.To(m.To); err != nil {
		return nil, err
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue("onair.1." + strings.ToLower(onair.RandomString(16)) + "@localhost")
	msg.SetGenHeader("X-Onair-Delivery", "1")
	for _, h := range m.Headers {
		msg.SetGenHeader(gomail.Header(h.Name), h.Value)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
