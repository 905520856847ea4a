package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web"
)

const viewerUsage = `Usage:
  onair viewer export --host-email H --email E   everything stored about viewer E in host H's events, as JSON
  onair viewer erase --host-email H --email E    erase that viewer's personal data from host H's events
`

// runViewer serves a viewer's requests about their own data on a host's
// behalf: a copy of it, or its erasure. Each prints the JSON that the API
// answers (GET /api/viewers/export, DELETE /api/viewers).
func runViewer(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, clk clock) error {
	if len(args) == 0 || isHelp(args[0]) {
		fmt.Fprint(stdout, viewerUsage)
		if len(args) == 0 {
			return usageError{"viewer needs a subcommand: export or erase"}
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	var summary string
	switch sub {
	case "export":
		summary = "Prints everything stored about one viewer (the email E) in one host's events\n(the host with email H), as JSON: the API's GET /api/viewers/export."
	case "erase":
		summary = "Erases the personal data of one viewer (the email E) from one host's events\n(the host with email H): names, email, phone, company, the outbox copies of\ntheir messages. The rows stay as anonymous counts, so analytics keep their\nnumbers; nothing more is sent to them. Asks no question; prints what it\nerased as JSON: the API's DELETE /api/viewers."
	default:
		return usageError{fmt.Sprintf("unknown viewer subcommand %q (known: export, erase)", sub)}
	}
	c := newCommand("viewer "+sub, summary, getenv, "DATABASE_URL")
	hostEmail := c.fs.String("host-email", "", "the email of the host whose events to search (required)")
	email := c.fs.String("email", "", "the viewer's email (required)")
	if help, err := c.parse(rest, stdout, stderr); help || err != nil {
		return err
	}
	if *hostEmail == "" || *email == "" {
		return usageError{"viewer " + sub + " needs --host-email and --email"}
	}
	st, err := openStore(ctx, c.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	host, err := st.HostByEmail(ctx, *hostEmail)
	if errors.Is(err, onair.ErrNotFound) {
		return fmt.Errorf("no host has the email %q", *hostEmail)
	}
	if err != nil {
		return err
	}
	var out any
	if sub == "export" {
		out, err = web.ExportViewer(ctx, st, host.ID, *email)
	} else {
		out, err = web.EraseViewer(ctx, st, host.ID, *email, clk.now().UTC())
	}
	var ve *onair.ValidationError
	if errors.As(err, &ve) && ve.Has("email") {
		return usageError{"--email " + ve.Fields["email"]}
	}
	if err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(out)
}
