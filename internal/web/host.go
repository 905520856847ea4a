package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/onair-live/onair/internal/onair"
)

type hostResponse struct {
	Host hostJSON `json:"host"`
}

// getHost serves GET /api/host: the signed-in host and its settings.
func (s *Server) getHost(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	writeJSON(w, http.StatusOK, hostResponse{viewHost(host)})
	return nil
}

// patchHost serves PATCH /api/host: a change to any of the settings.
func (s *Server) patchHost(w http.ResponseWriter, r *http.Request, host onair.Host) error {
	in, retention, err := decodeHostSettings(r, host)
	if err != nil {
		return err
	}
	h, err := s.store.UpdateHostSettings(r.Context(), host.ID, in)
	if err != nil {
		return err
	}
	if retention != nil {
		if err := s.store.SetHostRetention(r.Context(), host.ID, *retention); err != nil {
			return err
		}
		h.RetentionDays = *retention
	}
	writeJSON(w, http.StatusOK, hostResponse{viewHost(h)})
	return nil
}

// The fields of PATCH /api/host: the settings, and those a client may send
// back as it read them but not change.
var (
	hostSettingFields  = []string{"name", "brand_color", "logo_url", "reply_to"}
	hostReadOnlyFields = []string{"id", "email", "created_at"}
)

// decodeHostSettings reads a PATCH /api/host body. Every problem is a 422
// naming its field: a field that is not a setting (a typo would otherwise
// be dropped without a word), a read-only field sent with another value
// than the host's, a value that is not a string (null clears a setting,
// as "" does) and every value the settings refuse.
func decodeHostSettings(r *http.Request, host onair.Host) (onair.HostSettingsInput, *int, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		return onair.HostSettingsInput{}, nil, err
	}
	var retention *int
	v := &onair.ValidationError{}
	var in onair.HostSettingsInput
	current := map[string]string{"id": host.ID, "email": host.Email, "created_at": formatTime(host.CreatedAt)}
	for name, value := range raw {
		var str string
		isString := json.Unmarshal(value, &str) == nil
		isNull := strings.TrimSpace(string(value)) == "null"
		switch {
		case name == "retention_days":
			var days int
			if err := json.Unmarshal(value, &days); err != nil {
				v.Add(name, "must be a whole number of days (0 keeps the data)")
			} else if err := onair.CheckRetentionDays(days); err != nil {
				v.Add(name, "must be a whole number of days from 0 (keep) to 36500")
			} else {
				retention = &days
			}
		case slices.Contains(hostReadOnlyFields, name):
			if !isString || str != current[name] {
				v.Add(name, "cannot be changed")
			}
		case !slices.Contains(hostSettingFields, name):
			v.Add(name, "is not a host setting (the settings are "+strings.Join(hostSettingFields, ", ")+", retention_days)")
		case !isString && !isNull:
			v.Add(name, "must be a string")
		default:
			if isNull {
				str = ""
			}
			switch name {
			case "name":
				in.Name = &str
			case "brand_color":
				in.BrandColor = &str
			case "logo_url":
				in.LogoURL = &str
			case "reply_to":
				in.ReplyTo = &str
			}
		}
	}
	// The settings' own checks, here too, so that one answer names every
	// problem; the store checks again on the row it locks.
	var ve *onair.ValidationError
	if _, err := host.HostSettings.Apply(in); errors.As(err, &ve) {
		for k, m := range ve.Fields {
			v.Add(k, m)
		}
	}
	return in, retention, v.Err()
}
