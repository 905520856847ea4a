package web

// routes lists every route of the service on one screen.
func (s *Server) routes() {
	m := s.mux

	m.Handle("GET /healthz", s.api(s.healthz))
	m.Handle("GET /readyz", s.api(s.readyz))
	m.Handle("GET /metrics", s.metricsEndpoint())
	m.Handle("GET /api/openapi.json", s.openAPI()) // the contract, as OpenAPI 3.1

	m.Handle("POST /api/auth/signup", s.api(s.signup))
	m.Handle("POST /api/auth/login", s.api(s.login))
	m.Handle("GET /api/host", s.host(s.getHost))
	m.Handle("PATCH /api/host", s.host(s.patchHost))

	m.Handle("POST /api/events", s.host(s.createEvent))
	m.Handle("GET /api/events", s.host(s.listEvents))
	m.Handle("GET /api/events/{id}", s.host(s.getEvent))
	m.Handle("PATCH /api/events/{id}", s.host(s.patchEvent))
	m.Handle("DELETE /api/events/{id}", s.host(s.deleteEvent))
	m.Handle("POST /api/events/{id}/duplicate", s.host(s.duplicateEvent))
	m.Handle("POST /api/events/{id}/start", s.host(s.startEvent))
	m.Handle("POST /api/events/{id}/end", s.host(s.endEvent))
	m.Handle("POST /api/events/{id}/cancel", s.host(s.cancelEvent))
	m.Handle("GET /api/events/{id}/registrations", s.host(s.listRegistrations))
	m.Handle("GET /api/events/{id}/notifications", s.host(s.listNotifications))
	m.Handle("GET /api/events/{id}/preview", s.host(s.previewMessage))
	m.Handle("POST /api/events/{id}/test-send", s.host(s.testSend))
	m.Handle("GET /api/outbox", s.host(s.listOutbox))
	m.Handle("GET /api/suppressions", s.host(s.listSuppressions))
	m.Handle("DELETE /api/suppressions/{id}", s.host(s.liftSuppression))

	// outgoing webhooks
	m.Handle("POST /api/webhooks", s.host(s.createWebhook))
	m.Handle("GET /api/webhooks", s.host(s.listWebhooks))
	m.Handle("GET /api/webhooks/{id}", s.host(s.getWebhook))
	m.Handle("DELETE /api/webhooks/{id}", s.host(s.deleteWebhook))
	m.Handle("GET /api/webhooks/{id}/deliveries", s.host(s.listHookDeliveries))
	m.Handle("POST /api/webhooks/{id}/deliveries/{delivery_id}/retry", s.host(s.retryHookDelivery))

	// a viewer's own data, in this host's events
	m.Handle("GET /api/viewers/export", s.host(s.exportViewer))
	m.Handle("DELETE /api/viewers", s.host(s.eraseViewer))

	m.Handle("GET /api/events/{id}/register", s.api(s.registrationInfo))
	m.Handle("POST /api/events/{id}/register", s.api(s.register))

	m.Handle("GET /events/{file}", s.api(s.eventCalendar))
	m.Handle("GET /api/registrations/ics", s.api(s.viewerCalendar))
	m.Handle("POST /api/registrations/cancel", s.api(s.cancelRegistration))
	m.Handle("GET /cancel/{token}", s.linkPage(s.cancelPage))
	m.Handle("POST /cancel/{token}", s.linkPage(s.cancelSubmit))
	m.Handle("GET /cancel/{token}/done", s.linkPage(s.cancelDone))
	m.Handle("GET /u/{token}", s.linkPage(s.unsubscribePage))
	m.Handle("POST /u/{token}", s.linkPage(s.unsubscribe))

	m.Handle("POST /api/cron/send-notifications", s.api(s.cronSend))

	m.Handle("GET /static/", s.staticFiles())
	m.Handle("GET /favicon.ico", s.favicon())
	m.Handle("GET /{$}", s.page(s.home))
	m.Handle("GET /signup", s.page(s.signupPage))
	m.Handle("POST /signup", s.page(s.signupSubmit))
	m.Handle("GET /login", s.page(s.loginPage))
	m.Handle("POST /login", s.page(s.loginSubmit))
	m.Handle("POST /logout", s.page(s.logout))

	// pages: dashboard
	d := s.dash
	m.Handle("GET /dashboard/events", s.hostPage(d.Events))
	m.Handle("GET /dashboard/events/{id}", s.hostPage(d.Event))
	// {action}: edit, reschedule, start, end, cancel. One wildcard segment
	// leaves /dashboard/events/create/… to the wizard without overlap.
	m.Handle("POST /dashboard/events/{id}/{action}", s.hostPage(d.EventAction))
	m.Handle("GET /dashboard/events/{id}/registrants/{rid}", s.hostPage(d.Registrant))
	m.Handle("GET /dashboard/events/{id}/preview", s.hostPage(d.Preview))
	m.Handle("GET /dashboard/outbox", s.hostPage(d.Outbox))
	m.Handle("GET /dashboard/suppressions", s.hostPage(d.Suppressions))
	m.Handle("POST /dashboard/suppressions/{id}/lift", s.hostPage(d.LiftSuppression))
	m.Handle("GET /dashboard/webhooks", s.hostPage(d.Webhooks))
	m.Handle("POST /dashboard/webhooks", s.hostPage(d.AddWebhook))
	m.Handle("POST /dashboard/webhooks/{id}/delete", s.hostPage(d.DeleteWebhook))
	m.Handle("POST /dashboard/webhooks/{id}/deliveries/{delivery_id}/retry", s.hostPage(d.RetryHookDelivery))
	m.Handle("GET /dashboard/settings", s.hostPage(d.Settings))
	m.Handle("POST /dashboard/settings", s.hostPage(d.SaveSettings))

	// pages: create wizard
	m.Handle("GET /dashboard/events/create", s.hostPage(d.Wizard))
	m.Handle("POST /dashboard/events/create", s.hostPage(d.WizardStep))

	// tracking: attendance and engagement
	m.Handle("POST /api/watch/{id}/heartbeat", s.api(s.heartbeat))
	m.Handle("POST /watch/{id}/heartbeat", s.api(s.heartbeat)) // the watch page's own, by its cookie
	m.Handle("POST /watch/{id}/join", s.api(s.join))           // the same: the page's join, which counts attendance
	m.Handle("POST /api/events/{id}/engagement", s.api(s.recordEngagement))
	m.Handle("POST /api/events/{id}/revenue", s.host(s.recordRevenue))

	// tracking: opens and clicks
	m.Handle("GET /api/track/notification/{id}/open", s.api(s.trackOpen))
	m.Handle("GET /api/track/notification/{id}/click", s.linkPage(s.trackClick))

	// analytics
	m.Handle("GET /api/events/{id}/analytics", s.host(s.eventAnalytics))

	// pages: registration and watch
	m.Handle("GET /register/{id}", s.viewerPage(s.registerPage))
	m.Handle("POST /register/{id}", s.viewerPage(s.registerSubmit))
	m.Handle("GET /register/{id}/done", s.viewerPage(s.registeredPage))
	m.Handle("GET /watch/{id}", s.viewerPage(s.watchPage))
	m.Handle("POST /webhooks/twilio/inbound", s.api(s.twilioInbound))
	m.Handle("POST /webhooks/mailgun", s.api(s.mailgunWebhook))
}
