package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves the runtime profiles (/debug/pprof/…) on addr, the
// ONAIR_PPROF_ADDR of an operator chasing a slow or hungry process, and
// `onair bench --cpuprofile`. It is a listener of its own, never a route
// of the public server: the profiles name every function and the command
// line, and a CPU profile costs the process while it runs. It answers
// anyone who reaches it, so addr belongs on loopback or a private network.
// The returned function closes it.
func startPprof(addr string, log *slog.Logger) (func(), error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ONAIR_PPROF_ADDR: cannot listen on %s: %w", addr, err)
	}
	// No write timeout: a CPU profile or a trace answers only after the
	// seconds it was asked for.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = srv.Serve(ln) }()
	log.Info("pprof listening", "addr", ln.Addr().String())
	return func() { _ = srv.Close() }, nil
}
