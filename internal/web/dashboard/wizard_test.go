package dashboard

import (
	"reflect"
	"testing"
)

// A step's page is addressed by the answers so far: reading them back from
// its query gives the same answers, whatever they hold.
func TestWizardFormValuesRoundTrip(t *testing.T) {
	for _, f := range []wizardForm{
		newWizardForm(),
		{Draft: newWizardForm().Draft, Title: "Launch & Q&A?", Description: "Line one\nLine <two> 100%",
			MaxRegistrations: "250", StreamURL: "https://www.youtube.com/embed/abc?x=1&y=2", Date: "2026-12-15", Time: "14:00",
			Timezone: "Europe/Paris", Duration: "90", Intervals: []string{"1day", "now"}, CustomIntervals: "45m, 2h30m",
			EmailEnabled: true, SMSEnabled: true, CustomMessage: "See you there =)", Language: "de"},
		{Draft: newWizardForm().Draft, Duration: "60", TimezoneOther: "Mars/Olympus", Language: "en"}, // nothing ticked, a zone that is not one
	} {
		got := readWizardForm(f.values())
		if got.Intervals == nil && len(f.Intervals) == 0 {
			got.Intervals = f.Intervals
		}
		if !reflect.DeepEqual(got, f) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, f)
		}
	}
}
