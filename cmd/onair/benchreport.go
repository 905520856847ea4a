package main

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// writeBenchJSON prints the result as one JSON object.
func writeBenchJSON(w io.Writer, r *benchResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// writeBenchTable prints the result for a reader.
func writeBenchTable(w io.Writer, r *benchResult) error {
	processes := "1 process (onair serve)"
	if r.Workers > 1 {
		processes = fmt.Sprintf("%d processes (onair serve + %d onair worker)", r.Workers, r.Workers-1)
	}
	db := r.Database
	if r.DatabaseSchema != "" {
		db += " (schema " + r.DatabaseSchema + ")"
	}
	fmt.Fprintf(w, "onair bench: %d recipients, %d SMTP connections, %s\n", r.Recipients, r.SMTPConns, processes)
	fmt.Fprintf(w, "database %s, SMTP %s, %s %s, %d CPUs\n\n", db, r.SMTP, r.GoVersion, r.OS, r.CPUs)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(name, value, note string) { fmt.Fprintf(tw, "%s\t%s\t%s\n", name, value, note) }
	row("registrations", fmt.Sprintf("%.0f/s", r.RegistrationsPerSec),
		fmt.Sprintf("p50 %.1f ms, p99 %.1f ms, %d HTTP clients", r.RegistrationP50Ms, r.RegistrationP99Ms, benchClients))
	row("confirmation lag", fmt.Sprintf("%.2f s", r.ConfirmationLagS), "last 201 → last confirmation")
	row("healthz", fmt.Sprintf("%.0f/s", r.HealthzPerSec), fmt.Sprintf("%d HTTP clients", benchClients))
	row("due → first handoff", fmt.Sprintf("%.3f s", r.DueToFirstHandoffS), "the reminder's time → its first message")
	row("due → last handoff", fmt.Sprintf("%.3f s", r.DueToLastHandoffS), "→ its last message")
	dups := fmt.Sprint(r.Duplicates)
	if r.Duplicates < 0 {
		dups = "not measured"
	}
	row("delivery", fmt.Sprintf("%.0f/s", r.DeliveryPerSec),
		fmt.Sprintf("delivered %d, lost %d, duplicates %s", r.Delivered, r.Lost, dups))
	ceiling := ""
	if r.RawSMTPPerSec > 0 {
		ceiling = fmt.Sprintf("same client and connections, no database or queue: onair does %.0f%% of it",
			100*r.DeliveryPerSec/r.RawSMTPPerSec)
	}
	row("raw SMTP", fmt.Sprintf("%.0f/s", r.RawSMTPPerSec), ceiling)
	rss := "unavailable (no /proc)"
	if r.PeakRSSMethod != "unavailable" {
		rss = fmt.Sprintf("%s; %s", mib(r.PeakRSSBytes), r.PeakRSSMethod)
		if r.Workers > 1 {
			rss = fmt.Sprintf("the largest process; all together %s; %s", mib(r.PeakRSSBytesTotal), r.PeakRSSMethod)
		}
	}
	row("peak RSS", mib(r.PeakRSSBytes), rss)
	if r.OtherMessages > 0 {
		row("other messages", fmt.Sprint(r.OtherMessages), "neither a confirmation nor the reminder")
	}
	if r.CPUProfile != "" {
		row("CPU profile", r.CPUProfile, "onair serve during the send: go tool pprof "+r.CPUProfile)
	}
	return tw.Flush()
}

// mib writes a size in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
