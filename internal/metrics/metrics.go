// Package metrics holds onair's Prometheus metrics, served at /metrics:
// HTTP requests, registrations, deliveries, the queue lag from a message's
// due time to its hand-over to the provider, and the viewers present now.
// Every method is safe on a nil *Metrics, which records nothing.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the collectors of one process.
type Metrics struct {
	registry      *prometheus.Registry
	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	registrations prometheus.Counter
	deliveries    *prometheus.CounterVec
	lag           *prometheus.HistogramVec
}

// New registers onair's metrics, and Go's and the process's, in a registry
// of their own.
func New() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onair_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "onair_http_request_duration_seconds", Help: "HTTP request durations by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		registrations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "onair_registrations_total", Help: "Registrations accepted.",
		}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "onair_deliveries_total", Help: "Messages handed to a provider, by channel, provider and outcome (sent, failed, retry).",
		}, []string{"channel", "provider", "status"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "onair_queue_lag_seconds", Help: "From a reminder's or notice's due time to its hand-over to the provider.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900},
		}, []string{"channel"}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.registrations, m.deliveries, m.lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Request records one HTTP request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

// Registered records one registration.
func (m *Metrics) Registered() {
	if m != nil {
		m.registrations.Inc()
	}
}

// Delivered records what became of one message; lag is observed when the
// message had a due time (not for confirmations, which are due at once).
func (m *Metrics) Delivered(channel, provider, status string, lag time.Duration, hasLag bool) {
	if m == nil {
		return
	}
	m.deliveries.WithLabelValues(channel, provider, status).Inc()
	if hasLag && status == "sent" {
		m.lag.WithLabelValues(channel).Observe(max(lag, 0).Seconds())
	}
}

// viewersGauge reports the viewers present now, read at each scrape.
type viewersGauge struct {
	desc  *prometheus.Desc
	count func(context.Context) (int, error)
}

func (g viewersGauge) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

// Collect reads the count, waiting at most two seconds for it; when the
// database does not answer the gauge is left out of this scrape rather than
// failing the others.
func (g viewersGauge) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := g.count(ctx); err == nil {
		ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(n))
	}
}

// CountViewers makes the onair_active_viewers gauge read count at each
// scrape. Counted from the database, it is the same on every node.
func (m *Metrics) CountViewers(count func(context.Context) (int, error)) {
	if m == nil {
		return
	}
	m.registry.MustRegister(viewersGauge{count: count, desc: prometheus.NewDesc("onair_active_viewers",
		"Viewers present now (a heartbeat in the last 60 s), across every event.", nil, nil)})
}
