package store_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/store"
	"github.com/onair-live/onair/internal/store/storetest"
)

func TestHostSettings(t *testing.T) {
	t.Parallel()
	storetest.RunStore(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		h := newHost(t, s, "settings@example.com")
		other := newHost(t, s, "other@example.com")

		t.Run("a new host has none", func(t *testing.T) {
			got, err := s.Host(ctx, h.ID)
			if err != nil || got.HostSettings != (onair.HostSettings{}) || got.Email != h.Email {
				t.Fatalf("Host = %+v, %v", got, err)
			}
		})
		t.Run("every setting is stored and read back by every reader", func(t *testing.T) {
			want := onair.HostSettings{Name: "Acme Launches", BrandColor: "#0f766e",
				LogoURL: "https://cdn.acme.example/logo.png", ReplyTo: "team@acme.example"}
			got, err := s.UpdateHostSettings(ctx, h.ID, onair.HostSettingsInput{Name: ptr(" Acme Launches "),
				BrandColor: ptr("#0F766E"), LogoURL: &want.LogoURL, ReplyTo: &want.ReplyTo})
			if err != nil || got.HostSettings != want {
				t.Fatalf("UpdateHostSettings = %+v, %v; want %+v", got.HostSettings, err, want)
			}
			byID, err := s.Host(ctx, h.ID)
			if err != nil || byID.HostSettings != want {
				t.Errorf("Host = %+v, %v", byID.HostSettings, err)
			}
			byEmail, err := s.HostByEmail(ctx, h.Email)
			if err != nil || byEmail.HostSettings != want {
				t.Errorf("HostByEmail = %+v, %v", byEmail.HostSettings, err)
			}
			if o, _ := s.Host(ctx, other.ID); o.HostSettings != (onair.HostSettings{}) {
				t.Errorf("the other host got %+v", o.HostSettings)
			}
		})
		t.Run("an absent field is kept, an empty one cleared", func(t *testing.T) {
			got, err := s.UpdateHostSettings(ctx, h.ID, onair.HostSettingsInput{LogoURL: ptr("")})
			if err != nil || got.LogoURL != "" || got.Name != "Acme Launches" || got.ReplyTo != "team@acme.example" {
				t.Fatalf("UpdateHostSettings = %+v, %v", got.HostSettings, err)
			}
		})
		t.Run("a refused value writes nothing", func(t *testing.T) {
			_, err := s.UpdateHostSettings(ctx, h.ID, onair.HostSettingsInput{Name: ptr("New name"), BrandColor: ptr("red")})
			var ve *onair.ValidationError
			if !errors.As(err, &ve) || !ve.Has("brand_color") {
				t.Fatalf("err %v, want a validation error on brand_color", err)
			}
			if got, _ := s.Host(ctx, h.ID); got.Name != "Acme Launches" {
				t.Errorf("name %q after a refused change", got.Name)
			}
		})
		t.Run("changes of different fields at once all hold", func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			wg.Go(func() { _, errs[0] = s.UpdateHostSettings(ctx, h.ID, onair.HostSettingsInput{Name: ptr("Parallel")}) })
			wg.Go(func() {
				_, errs[1] = s.UpdateHostSettings(ctx, h.ID, onair.HostSettingsInput{BrandColor: ptr("#123456")})
			})
			wg.Wait()
			got, err := s.Host(ctx, h.ID)
			if errors.Join(errs...) != nil || err != nil || got.Name != "Parallel" || got.BrandColor != "#123456" {
				t.Errorf("after two changes at once: %+v (%v, %v)", got.HostSettings, errs, err)
			}
		})
		t.Run("an unknown host is not found", func(t *testing.T) {
			for _, id := range []string{onair.NewID(), "not-an-id"} {
				if _, err := s.Host(ctx, id); !errors.Is(err, onair.ErrNotFound) {
					t.Errorf("Host(%q) = %v", id, err)
				}
				if _, err := s.UpdateHostSettings(ctx, id, onair.HostSettingsInput{Name: ptr("x")}); !errors.Is(err, onair.ErrNotFound) {
					t.Errorf("UpdateHostSettings(%q) = %v", id, err)
				}
			}
		})
		t.Run("a claimed delivery carries its host's settings", func(t *testing.T) {
			ev := newEvent(t, s, h.ID, nil)
			at := now.Add(-time.Minute)
			mustRegister(t, s, ev, "viewer@example.com", at)
			items := claimPending(t, s, now)
			if len(items) != 1 {
				t.Fatalf("%d items", len(items))
			}
			if got := items[0].Host; got.ID != h.ID || got.Name != "Parallel" || got.BrandColor != "#123456" || got.PasswordHash != "" {
				t.Errorf("host %+v", got)
			}
		})
	})
}
