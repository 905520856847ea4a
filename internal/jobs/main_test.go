package jobs_test

import (
	"testing"

	"github.com/onair-live/onair/internal/store/storetest"
)

// TestMain removes the template databases after the tests.
func TestMain(m *testing.M) { storetest.Main(m) }
