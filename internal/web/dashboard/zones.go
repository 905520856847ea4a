package dashboard

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/onair-live/onair/internal/onair"
)

// zoneNames are the zones the pages' selects offer (the wizard's, the
// reschedule form's); the wizard takes any other IANA name typed. (The
// standard library cannot list the zones it knows.)
var zoneNames = []string{
	"UTC",
	"Africa/Abidjan", "Africa/Accra", "Africa/Algiers", "Africa/Cairo", "Africa/Casablanca",
	"Africa/Johannesburg", "Africa/Lagos", "Africa/Nairobi",
	"America/Anchorage", "America/Argentina/Buenos_Aires", "America/Bogota", "America/Caracas",
	"America/Chicago", "America/Denver", "America/Edmonton", "America/Guatemala", "America/Halifax",
	"America/Havana", "America/Lima", "America/Los_Angeles", "America/Mexico_City", "America/Montevideo",
	"America/New_York", "America/Panama", "America/Phoenix", "America/Puerto_Rico", "America/Santiago",
	"America/Sao_Paulo", "America/St_Johns", "America/Toronto", "America/Vancouver", "America/Winnipeg",
	"Asia/Almaty", "Asia/Baghdad", "Asia/Bangkok", "Asia/Colombo", "Asia/Dhaka", "Asia/Dubai",
	"Asia/Ho_Chi_Minh", "Asia/Hong_Kong", "Asia/Jakarta", "Asia/Jerusalem", "Asia/Karachi",
	"Asia/Kathmandu", "Asia/Kolkata", "Asia/Kuala_Lumpur", "Asia/Manila", "Asia/Riyadh", "Asia/Seoul",
	"Asia/Shanghai", "Asia/Singapore", "Asia/Taipei", "Asia/Tashkent", "Asia/Tehran", "Asia/Tokyo",
	"Asia/Vladivostok", "Asia/Yangon",
	"Atlantic/Azores", "Atlantic/Reykjavik",
	"Australia/Adelaide", "Australia/Brisbane", "Australia/Darwin", "Australia/Hobart", "Australia/Lord_Howe",
	"Australia/Melbourne", "Australia/Perth", "Australia/Sydney",
	"Europe/Amsterdam", "Europe/Athens", "Europe/Berlin", "Europe/Brussels", "Europe/Bucharest",
	"Europe/Budapest", "Europe/Copenhagen", "Europe/Dublin", "Europe/Helsinki", "Europe/Istanbul",
	"Europe/Kyiv", "Europe/Lisbon", "Europe/London", "Europe/Madrid", "Europe/Moscow", "Europe/Oslo",
	"Europe/Paris", "Europe/Prague", "Europe/Rome", "Europe/Stockholm", "Europe/Vienna",
	"Europe/Warsaw", "Europe/Zurich",
	"Pacific/Auckland", "Pacific/Fiji", "Pacific/Guam", "Pacific/Honolulu",
}

// offeredZones loads the listed zones once; a name this binary's tzdata
// does not know is left out rather than offered and refused.
var offeredZones = sync.OnceValue(func() []*time.Location {
	var out []*time.Location
	for _, name := range zoneNames {
		if loc, err := onair.LoadZone(name); err == nil {
			out = append(out, loc)
		}
	}
	return out
})

// offeredZoneNames are the names of offeredZones.
var offeredZoneNames = sync.OnceValue(func() []string {
	var out []string
	for _, loc := range offeredZones() {
		out = append(out, loc.String())
	}
	return out
})

type zoneGroup struct {
	Region string
	Zones  []zoneOption
}

type zoneOption struct{ Name, Label string }

// zoneGroups lists the zones by region, each with its offset at now.
func zoneGroups(now time.Time) []zoneGroup {
	var out []zoneGroup
	for _, loc := range offeredZones() {
		name := loc.String()
		region, city, ok := strings.Cut(name, "/")
		if !ok {
			region, city = "", name
		}
		if i := strings.LastIndex(city, "/"); i >= 0 {
			city = city[i+1:]
		}
		_, offset := now.In(loc).Zone()
		opt := zoneOption{Name: name, Label: strings.ReplaceAll(city, "_", " ") + " (" + utcOffset(offset) + ")"}
		if len(out) == 0 || out[len(out)-1].Region != region {
			out = append(out, zoneGroup{Region: region})
		}
		out[len(out)-1].Zones = append(out[len(out)-1].Zones, opt)
	}
	return out
}

// utcOffset writes an offset in seconds as "UTC+05:30" or "UTC−03:00"
// (with a real minus sign, which screen readers read as "minus").
func utcOffset(seconds int) string {
	sign := "+"
	if seconds < 0 {
		sign, seconds = "−", -seconds
	}
	h, m := seconds/3600, seconds%3600/60
	return "UTC" + sign + twoDigit(h) + ":" + twoDigit(m)
}

func twoDigit(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
