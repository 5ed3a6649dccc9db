package enroll

import (
	"net/http"

	"github.com/radius2fa/radius2fa/store"
)

// statusView is the status block of GET /.
type statusView struct {
	Enrolled      bool
	Since         string
	LastUsed      string
	RecoveryCodes int
	// Lockout describes a current lockout, Failures wrong codes without
	// one; empty when there is nothing to say.
	Lockout  string
	Failures string
	// Pending says until when a started registration can be completed.
	Pending string
}

// renderStatus writes the status page of sess's user with HTTP status
// code; p carries a notice or an error to show with it.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, sess session, status int, p page) {
	now := s.now()
	st, err := s.store.Get(r.Context(), sess.user)
	if err != nil {
		s.unavailable(w, r, "status", sess.user, err)
		return
	}
	pending, hasPending, err := s.store.GetPending(r.Context(), sess.user, now)
	if err != nil {
		s.unavailable(w, r, "status", sess.user, err)
		return
	}
	p = s.loggedIn(r, sess, p)
	p.Title = p.T.StatusTitle
	p.Status = s.statusView(p.T, st, pending, hasPending)
	s.render(w, status, "status", p)
}

// statusView describes st for the status page.
func (s *Server) statusView(t *text, st store.UserState, pending store.Pending, hasPending bool) *statusView {
	now := s.now()
	v := &statusView{Enrolled: st.Enrollment != nil, RecoveryCodes: st.RecoveryCodes, LastUsed: t.Never}
	if st.Enrollment != nil {
		v.Since = formatTime(t, st.Enrollment.CreatedAt)
	}
	if !st.LastUsed.IsZero() {
		v.LastUsed = formatTime(t, st.LastUsed)
	}
	switch {
	case st.Locked(now):
		v.Lockout = fill(t.LockedUntil, "time", formatTime(t, st.LockedUntil),
			"minutes", minutesLeft(st.LockedUntil.Sub(now)), "n", st.Failures)
	case st.Failures > 0 && !st.LockedUntil.IsZero():
		// The lockout is over; its failures no longer count.
	case st.Failures > 0:
		v.Failures = fill(t.Failures, "n", st.Failures)
	}
	if hasPending {
		v.Pending = fill(t.PendingInProgress, "time", formatTime(t, pending.ExpiresAt))
	}
	return v
}
