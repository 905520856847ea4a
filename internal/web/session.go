package web

import (
	"errors"
	"net/http"

	"github.com/onair-live/onair/internal/accounts"
	"github.com/onair-live/onair/internal/onair"
	"github.com/onair-live/onair/internal/web/site"
)

type authForm struct {
	Email      string
	Next       string
	Error      string
	Fields     map[string]string
	SignupOpen bool // the login page links to the sign-up page
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request) error {
	if s.signupClosed {
		return errSignupClosed
	}
	if _, ok := s.sessionHost(r); ok {
		http.Redirect(w, r, "/dashboard/events", http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "signup", page{Title: "Sign up", Data: authForm{}})
}

func (s *Server) signupSubmit(w http.ResponseWriter, r *http.Request) error {
	if s.signupClosed {
		return errSignupClosed
	}
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	c := onair.Credentials{Email: r.PostFormValue("email"), Password: r.PostFormValue("password")}
	if err := s.throttleAuth(r); err != nil {
		return err
	}
	host, err := accounts.SignUp(r.Context(), s.store, c, s.clock())
	var ve *onair.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.render(w, r, http.StatusUnprocessableEntity, "signup", page{Title: "Sign up",
			Data: authForm{Email: c.Email, Fields: ve.Fields}})
	case errors.Is(err, onair.ErrConflict):
		return s.render(w, r, http.StatusConflict, "signup", page{Title: "Sign up",
			Data: authForm{Email: c.Email, Error: "An account with this email already exists. Log in instead."}})
	case err != nil:
		return err
	}
	if err := s.startSession(w, r, host); err != nil {
		return err
	}
	http.Redirect(w, r, "/dashboard/events", http.StatusSeeOther)
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	next := r.URL.Query().Get("next")
	if _, ok := s.sessionHost(r); ok {
		http.Redirect(w, r, site.SafeNext(next), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", page{Title: "Log in", Data: authForm{Next: next, SignupOpen: !s.signupClosed}})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	c := onair.Credentials{Email: r.PostFormValue("email"), Password: r.PostFormValue("password")}
	next := r.PostFormValue("next")
	host, err := s.checkLogin(r, c)
	var ve *onair.ValidationError
	switch {
	case errors.Is(err, onair.ErrTooManyRequests):
		return s.render(w, r, http.StatusTooManyRequests, "login", page{Title: "Log in",
			Data: authForm{Email: c.Email, Next: next, Error: "Too many attempts. Try again in a few minutes.", SignupOpen: !s.signupClosed}})
	case errors.Is(err, accounts.ErrBadCredentials) || errors.As(err, &ve):
		return s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Log in",
			Data: authForm{Email: c.Email, Next: next, Error: "Invalid email or password.", SignupOpen: !s.signupClosed}})
	case err != nil:
		return err
	}
	if err := s.startSession(w, r, host); err != nil {
		return err
	}
	http.Redirect(w, r, site.SafeNext(next), http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.store.DeleteToken(r.Context(), onair.HashToken(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
	s.newCSRFToken(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// home sends a signed-in host to the dashboard and anyone else to login.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	if _, ok := s.sessionHost(r); ok {
		http.Redirect(w, r, "/dashboard/events", http.StatusSeeOther)
	} else {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	}
	return nil
}
