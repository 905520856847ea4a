package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/locale"
	"github.com/onair-live/onair/internal/onair"
)

// The prepared messages are held to the renderers: for every content,
// PrepareEmail(n).Fill(p) must be RenderEmail(c) and PrepareSMS(n).Fill(p)
// RenderSMS(c), byte for byte, where c.Split() is (n, p).

// hostileNames are first names that escape, break lines, turn the text
// around or are not text at all.
var hostileNames = []string{
	"", "Ada", `<script>alert("x")</script>`, "Tom & Jerry", `O'Brien "Bob"`, "a+b=c",
	"\u202eevil\u202c", "עִבְרִית", "🚀 Zoë", "Line\r\nBcc: x@example.com", "\x00nul", "\xff\xfe",
	"%recipient.watch%", "{{.Greeting}}", strings.Repeat("Long", 60),
}

var equalityZones = []string{
	"", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe", "Pacific/Chatham",
	"Etc/GMT+12", "Moon/Base", "UTC", "Local",
}

var equalityTitles = []string{
	"Product Launch Webinar", `<b>Bold</b> & "quoted" 'launch'`, "Q&A + more", "新製品発表会 🎉",
	strings.Repeat("Quarterly Product Strategy ", 8)[:200], "%recipient.greeting%",
}

var equalityTracks = map[string]func(string) string{
	"none": nil,
	"signed": func(target string) string {
		return "https://events.example.com/api/track/notification/n-1/click?d=7." + strings.ReplaceAll(target, "&", "%26") + ".sig"
	},
	// Track's output is not checked: what html/template would make of it
	// is what Fill must make of it.
	"hostile": func(target string) string { return `javascript:alert("` + target + `")` },
	"odd":     func(target string) string { return target + "&x=<a b>+'é'%zz%41" },
	"empty":   func(string) string { return "" },
}

// equalityContents are contents across every kind, name, zone, title,
// host and tracking, combined so that each value meets many others.
func equalityContents() []Content {
	kinds := []func() Content{
		func() Content { return testContent(onair.KindConfirmation) },
		func() Content { return testContent(onair.KindReminder) },
		func() Content {
			c := testContent(onair.KindReminder)
			c.Interval, _ = onair.ParseInterval("1day")
			return c
		},
		func() Content {
			c := testContent(onair.KindReminder)
			c.Interval, _ = onair.ParseInterval("now")
			return c
		},
		func() Content { return testContent(onair.KindStartingNow) },
		func() Content { return testContent(onair.KindRescheduled) },
		func() Content { return testContent(onair.KindCancelled) },
	}
	hosts := []Sender{testSender(), testBrand(),
		NewSender(onair.HostSettings{Name: `Acme & "Sons" <x>`, BrandColor: "#fde047"}, testEmailFrom)}
	tracks := []string{"none", "signed", "hostile", "odd", "empty"}
	var out []Content
	for i := range 420 {
		c := kinds[i%len(kinds)]()
		c.Registration.FirstName = hostileNames[i%len(hostileNames)]
		c.Registration.Timezone = equalityZones[i%len(equalityZones)]
		c.Event.Title = equalityTitles[i%len(equalityTitles)]
		c.From = hosts[i%len(hosts)]
		if track := equalityTracks[tracks[i%len(tracks)]]; track != nil {
			c.Track = track
			c.OpenPixelURL = "https://events.example.com/api/track/notification/n-1/open?d=7." + fmt.Sprint(i) + ".sig"
		}
		if i%11 == 0 {
			c.CalendarURL = ""
		}
		if i%13 == 0 {
			c.Event.Description, c.Event.Notifications.CustomMessage = "", ""
		}
		if i%17 == 0 {
			c.Event.Description = "<p>Hi</p>\r\n\r\n& more %recipient.x% " + strings.Repeat("日本語", 400)
		}
		c.WatchURL += "&n=" + fmt.Sprint(i) // every recipient's own link
		out = append(out, c)
	}
	return out
}

// partsOf checks that m's Parts, when set, say what its Text and HTML
// say, and returns m without them.
func partsOf(m Message) (Message, error) {
	if m.Parts == nil {
		return m, nil
	}
	l := m.Parts.Layout
	if len(l.Text) != len(m.Parts.Text)+1 || len(l.HTML) != len(m.Parts.HTML)+1 {
		return m, fmt.Errorf("parts: %d text literals for %d values, %d HTML literals for %d values",
			len(l.Text), len(m.Parts.Text), len(l.HTML), len(m.Parts.HTML))
	}
	if got := join(l.Text, m.Parts.Text); got != m.Text {
		return m, fmt.Errorf("the text parts differ from the text:\n%s", firstDifference([]byte(m.Text), []byte(got)))
	}
	if got := join(l.HTML, m.Parts.HTML); got != m.HTML {
		return m, fmt.Errorf("the HTML parts differ from the HTML:\n%s", firstDifference([]byte(m.HTML), []byte(got)))
	}
	m.Parts = nil
	return m, nil
}

// sameMessage fails t if got is not want.
func sameMessage(t *testing.T, what string, got, want Message) {
	t.Helper()
	got, err := partsOf(got)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if reflect.DeepEqual(got, want) {
		return
	}
	switch {
	case got.Subject != want.Subject:
		t.Fatalf("%s: subject %q, want %q", what, got.Subject, want.Subject)
	case got.Text != want.Text:
		t.Fatalf("%s: text differs:\n%s", what, firstDifference([]byte(want.Text), []byte(got.Text)))
	case got.HTML != want.HTML:
		t.Fatalf("%s: HTML differs:\n%s", what, firstDifference([]byte(want.HTML), []byte(got.HTML)))
	}
	t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
}

func TestFillEmailIsRenderEmail(t *testing.T) {
	for i, c := range equalityContents() {
		want, wantErr := RenderEmail(c)
		n, p := c.Split()
		p.DeliveryID = int64(1000 + i)
		want.DeliveryID = p.DeliveryID
		tmpl, err := PrepareEmail(n)
		if err == nil {
			var got Message
			got, err = tmpl.Fill(p)
			if err == nil && wantErr == nil {
				sameMessage(t, fmt.Sprintf("content %d (%s, %q in %q)", i, c.Kind, c.Registration.FirstName, c.Registration.Timezone), got, want)
			}
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("content %d: Fill says %v, RenderEmail %v", i, err, wantErr)
		}
	}
}

// TestOneTemplateForEveryRecipient fills one template per notification
// for all its recipients, in every zone and with and without tracking,
// concurrently, as a send job does.
func TestOneTemplateForEveryRecipient(t *testing.T) {
	for _, kind := range allKinds {
		t.Run(string(kind), func(t *testing.T) {
			base := testContent(kind)
			n, _ := base.Split()
			email, err := PrepareEmail(n)
			if err != nil {
				t.Fatal(err)
			}
			sms, err := PrepareSMS(n)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 200)
			for i := range 200 {
				c := base
				c.Registration.FirstName = hostileNames[i%len(hostileNames)]
				c.Registration.Timezone = equalityZones[i%len(equalityZones)]
				c.Registration.Email = fmt.Sprintf("viewer%d@example.com", i)
				c.Registration.Phone = fmt.Sprintf("+1415555%04d", i)
				c.WatchURL = testWatchURL + fmt.Sprintf("%d", i)
				c.UnsubscribeURL = testUnsubURL + fmt.Sprintf("%d", i)
				if i%3 == 0 {
					tc := trackedContent(kind)
					c.Track, c.OpenPixelURL = tc.Track, tc.OpenPixelURL+fmt.Sprint(i)
				}
				if i%7 == 0 {
					c.CalendarURL = ""
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, p := c.Split()
					for _, f := range []struct {
						fill   func(Personal) (Message, error)
						render func(Content) (Message, error)
					}{{email.Fill, RenderEmail}, {sms.Fill, RenderSMS}} {
						got, err := f.fill(p)
						if err == nil {
							got, err = partsOf(got)
						}
						if err != nil {
							errs <- err
							return
						}
						want, err := f.render(c)
						if err != nil {
							errs <- err
							return
						}
						if !reflect.DeepEqual(got, want) {
							errs <- fmt.Errorf("recipient %d (%q in %q): Fill differs from rendering:\n%s", i,
								c.Registration.FirstName, c.Registration.Timezone, firstDifference([]byte(want.HTML+want.Text), []byte(got.HTML+got.Text)))
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
		})
	}
}

func TestFillSMSIsRenderSMS(t *testing.T) {
	for i, c := range equalityContents() {
		if i%5 == 0 {
			c.WatchURL += strings.Repeat("x", i%200) // links that squeeze the title
		}
		if i%19 == 0 {
			c.WatchURL += "€é" // a link outside GSM-7
		}
		c.PreviousStart = c.Event.ScheduledStart.Add(-time.Duration(i) * 97 * time.Hour)
		want, wantErr := legacyRenderSMS(c)
		n, p := c.Split()
		p.DeliveryID = int64(i + 1)
		want.DeliveryID = p.DeliveryID
		tmpl, err := PrepareSMS(n)
		if err == nil {
			var got Message
			got, err = tmpl.Fill(p)
			if err == nil && wantErr == nil {
				sameMessage(t, fmt.Sprintf("content %d (%s)", i, c.Kind), got, want)
			}
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("content %d: Fill says %v, the renderer %v", i, err, wantErr)
		}
		if got, err := RenderSMS(c); (err == nil) != (wantErr == nil) || err == nil && got.Text != want.Text {
			t.Fatalf("content %d: RenderSMS %q (%v), want %q (%v)", i, got.Text, err, want.Text, wantErr)
		}
	}
}

// legacyRenderSMS is RenderSMS as it was before SMS could be prepared:
// each wording a function of the title, measured whole. The prepared SMS
// counts the septets of its parts instead, and must come to the same.
func legacyRenderSMS(c Content) (Message, error) {
	n, p := c.Split()
	n, err := checkNotice(n)
	if err != nil {
		return Message{}, err
	}
	if err := checkLinks(n.Kind, &p); err != nil {
		return Message{}, err
	}
	to := strings.TrimSpace(c.Registration.Phone)
	if to == "" || !onair.IsE164(to) {
		return Message{}, fmt.Errorf("no number")
	}
	title := gsmText(oneLine(c.Event.Title))
	if title == "" {
		title = "Your event"
	}
	zone := onair.ViewerZoneName(n.Event, c.Registration)
	when := FormatTime(n.Event.ScheduledStart, zone)
	watch := "\n" + c.WatchURL
	optOut := "\nUnsubscribe: " + c.UnsubscribeURL + "\nReply STOP to opt out."
	if c.CancelURL != "" {
		optOut = "\nCan't make it? " + c.CancelURL + "\nReply STOP to opt out."
	}
	var layouts []func(string) string
	switch n.Kind {
	case onair.KindConfirmation:
		if n.Live {
			layouts = append(layouts, func(t string) string { return "You're registered for " + t + ". It's live now!" + watch + optOut })
			break
		}
		layouts = append(layouts, func(t string) string { return "You're registered for " + t + " on " + when + "." + watch + optOut },
			func(t string) string { return "Registered: " + t + ", " + when + "." + watch + optOut })
	case onair.KindWaitlisted:
		layouts = append(layouts, func(t string) string {
			return t + " is full: you're on the waitlist. If a spot opens up, we'll text you your link." + optOut
		}, func(t string) string { return t + " is full: you're on the waitlist." + optOut })
	case onair.KindPromoted:
		layouts = append(layouts, func(t string) string {
			return "A spot opened up: you're registered for " + t + " on " + when + "." + watch + optOut
		},
			func(t string) string { return "You're in: " + t + ", " + when + "." + watch + optOut })
	case onair.KindReminder:
		until := untilWords(n.Interval.Offset, n.Event.ScheduledStart, zone, locale.For(onair.English))
		layouts = append(layouts, func(t string) string { return t + " starts " + until + " (" + when + ")." + watch + optOut },
			func(t string) string { return t + ": " + when + "." + watch + optOut })
	case onair.KindStartingNow:
		layouts = append(layouts, func(t string) string { return t + " is live now!" + watch + optOut })
	case onair.KindRescheduled:
		was := FormatTime(n.PreviousStart, zone)
		if z := " " + zoneName(n.Event.ScheduledStart.In(location(zone))); strings.HasSuffix(when, z) && strings.HasSuffix(was, z) {
			was = strings.TrimSuffix(was, z)
		}
		layouts = append(layouts,
			func(t string) string { return t + " has moved to " + when + " (was " + was + ")." + watch + optOut },
			func(t string) string { return t + " has moved to " + when + "." + watch + optOut })
	default:
		layouts = append(layouts, func(t string) string { return t + " has been cancelled. Sorry for the change of plans." + optOut })
	}
	for _, layout := range layouts {
		fixed, ok := septets(layout(""))
		if !ok {
			return Message{}, fmt.Errorf("not GSM-7")
		}
		if t, ok := fitTitle(title, maxSMSSeptets-fixed); ok {
			return Message{Channel: onair.ChannelSMS, To: to, Text: layout(t)}, nil
		}
	}
	return Message{}, fmt.Errorf("too long")
}

func TestFillRefusesWhatRenderingRefuses(t *testing.T) {
	n, _ := testContent(onair.KindReminder).Split()
	tmpl, err := PrepareEmail(n)
	if err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(*Personal){
		"no unsubscribe link": func(p *Personal) { p.UnsubscribeURL = "" },
		"no watch link":       func(p *Personal) { p.WatchURL = "" },
		"relative link":       func(p *Personal) { p.CalendarURL = "/ics" },
		"no address":          func(p *Personal) { p.Registration.Email = " " },
		"address with a CRLF": func(p *Personal) { p.Registration.Email = "a@example.com\r\nBcc: b@example.com" },
	} {
		t.Run(name, func(t *testing.T) {
			_, p := testContent(onair.KindReminder).Split()
			spoil(&p)
			if m, err := tmpl.Fill(p); err == nil {
				t.Errorf("filled %+v", m)
			}
		})
	}
	if _, err := PrepareEmail(Notice{Kind: "follow_up", Event: testEvent()}); err == nil {
		t.Error("prepared an unknown kind")
	}
	if _, err := PrepareSMS(Notice{Kind: onair.KindRescheduled, Event: testEvent()}); err == nil {
		t.Error("prepared a reschedule without the old time")
	}
}

// TestTemplateRendersOncePerZone checks the point of preparing: the
// templates run once for each zone and shape, not once per recipient.
func TestTemplateRendersOncePerZone(t *testing.T) {
	n, _ := testContent(onair.KindReminder).Split()
	tmpl, err := PrepareEmail(n)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		_, p := testContent(onair.KindReminder).Split()
		p.Registration.Timezone = []string{"Europe/Berlin", "Asia/Tokyo", "", "Nowhere/Else", "UTC"}[i%5]
		if _, err := tmpl.Fill(p); err != nil {
			t.Fatal(err)
		}
	}
	// Berlin, Tokyo, the event's New York, and UTC (the unknown zone's too).
	if got := len(tmpl.layouts); got != 4 {
		t.Errorf("%d renderings for 4 zones", got)
	}
}

// FuzzFillEmail holds Fill to RenderEmail for what hosts and viewers write.
func FuzzFillEmail(f *testing.F) {
	addRenderSeeds(f)
	f.Fuzz(func(t *testing.T, kind uint8, title, description, firstName, custom, zone string, offset int64, tracked bool) {
		c := fuzzContent(kind, title, description, firstName, custom, zone, offset)
		if tracked {
			c.Track = func(target string) string { return description + target + firstName }
			c.OpenPixelURL = "https://events.example.com/api/track/notification/n-1/open?d=7.sig"
		}
		n, _ := c.Split()
		tmpl, err := PrepareEmail(n)
		if err != nil {
			t.Fatalf("PrepareEmail: %v", err)
		}
		// A second recipient in another zone first, so that the fuzzed
		// one meets a template already in use.
		other := c
		other.Registration.FirstName, other.Registration.Timezone = title, "Asia/Kathmandu"
		for _, c := range []Content{other, c} {
			want, err := RenderEmail(c)
			if err != nil {
				t.Fatalf("RenderEmail: %v", err)
			}
			_, p := c.Split()
			got, err := tmpl.Fill(p)
			if err != nil {
				t.Fatalf("Fill: %v", err)
			}
			sameMessage(t, "Fill", got, want)
		}
	})
}

func FuzzFillSMS(f *testing.F) {
	addRenderSeeds(f)
	f.Fuzz(func(t *testing.T, kind uint8, title, watchTail, _, _, zone string, offset int64, earlier bool) {
		c := fuzzContent(kind, title, "", "", "", zone, offset)
		c.WatchURL += strings.Map(func(r rune) rune {
			if r <= ' ' || r == '<' || r == '>' || r == 0x7f {
				return -1
			}
			return r
		}, watchTail)
		if c.Kind == onair.KindRescheduled {
			shift := time.Duration(offset%(366*24*60)) * time.Minute
			if earlier {
				shift = -shift
			}
			c.PreviousStart = c.Event.ScheduledStart.Add(shift)
		}
		want, wantErr := legacyRenderSMS(c)
		n, p := c.Split()
		tmpl, err := PrepareSMS(n)
		if err != nil {
			t.Fatalf("PrepareSMS: %v", err)
		}
		got, err := tmpl.Fill(p)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Fill says %v, the renderer %v", err, wantErr)
		}
		if err == nil {
			sameMessage(t, "Fill", got, want)
		}
	})
}

// The escapers of the slots, held to html/template itself.
var (
	textProbe = htmltemplate.Must(htmltemplate.New("text").Parse(`<p>{{.}}</p>`))
	hrefProbe = htmltemplate.Must(htmltemplate.New("href").Parse(`<a href="{{.}}">`))
)

func FuzzSlotEscapers(f *testing.F) {
	for _, s := range append(append([]string{}, hostileSeeds...), hostileNames...) {
		f.Add(s)
	}
	for _, s := range []string{"https://x.example/a?b=c&d=e+f#g", "javascript:alert(1)", "JavaScript:x", "mailto:a@b",
		"/rel:x", "data:text/html,x", "%41%zz%4", "%", "%4", "a%41", "é", "\x00", "http://x/ ~!*'();:@&=+$,/?#[]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, probe := range []struct {
			tmpl          *htmltemplate.Template
			before, after string
			write         func(*strings.Builder, string)
		}{{textProbe, "<p>", "</p>", writeHTMLText}, {hrefProbe, `<a href="`, `">`, writeURLAttr}} {
			var want bytes.Buffer
			if err := probe.tmpl.Execute(&want, s); err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			got.WriteString(probe.before)
			probe.write(&got, s)
			got.WriteString(probe.after)
			if got.String() != want.String() {
				t.Fatalf("%s: %q, html/template writes %q", probe.tmpl.Name(), got.String(), want.String())
			}
		}
	})
}

func BenchmarkFillEmail(b *testing.B) {
	n, p := testContent(onair.KindReminder).Split()
	tmpl, err := PrepareEmail(n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Fill(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderTrackedEmail(b *testing.B) {
	c := trackedContent(onair.KindReminder)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderEmail(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFillTrackedEmail(b *testing.B) {
	n, p := trackedContent(onair.KindReminder).Split()
	tmpl, err := PrepareEmail(n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Fill(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderSMS(b *testing.B) {
	c := testContent(onair.KindReminder)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderSMS(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFillSMS(b *testing.B) {
	n, p := testContent(onair.KindReminder).Split()
	tmpl, err := PrepareSMS(n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tmpl.Fill(p); err != nil {
			b.Fatal(err)
		}
	}
}
