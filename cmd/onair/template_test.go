package main

import (
	"github.com/onair-live/onair/internal/jobs"
	"github.com/onair-live/onair/internal/store/storetest"
)

// appTemplate is the database every app of the tests starts from on
// SQLite: the store's and the job queue's migrations applied once, so that
// `onair serve` finds nothing to migrate.
var appTemplate = storetest.Template{Migrate: jobs.Migrate}
