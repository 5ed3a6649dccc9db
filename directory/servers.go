package directory

import (
	"crypto/tls"
	"log/slog"
	"sync"
	"time"
)

// serverBackoff is how long a server that failed is skipped while another
// one is up.
const serverBackoff = 5 * time.Second

// server is one entry of ldap.urls.
type server struct {
	url string
	tls *tls.Config
	// Guarded by servers.mu.
	down      bool
	downUntil time.Time
}

// servers dials the configured URLs in order, skipping for serverBackoff
// the ones that failed, unless all of them did.
type servers struct {
	list     []*server
	startTLS bool
	timeout  time.Duration
	log      *slog.Logger

	mu sync.Mutex
}

// candidates lists, in configured order, the servers not in back-off; all
// of them when every server is.
func (s *servers) candidates() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	up := make([]int, 0, len(s.list))
	for i, srv := range s.list {
		if !srv.down || now.After(srv.downUntil) {
			up = append(up, i)
		}
	}
	if len(up) > 0 {
		return up
	}
	for i := range s.list {
		up = append(up, i)
	}
	return up
}

// othersUp reports whether a server other than i is not in back-off.
func (s *servers) othersUp(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	for j, srv := range s.list {
		if j != i && (!srv.down || now.After(srv.downUntil)) {
			return true
		}
	}
	return false
}

// markDown puts server i in back-off.
func (s *servers) markDown(i int, err error) {
	s.mu.Lock()
	srv := s.list[i]
	was := srv.down
	srv.down, srv.downUntil = true, time.Now().Add(serverBackoff)
	s.mu.Unlock()
	if !was {
		s.log.Warn("ldap server down", "url", srv.url, "err", err)
	}
}

// markUp takes server i out of back-off.
func (s *servers) markUp(i int) {
	s.mu.Lock()
	srv := s.list[i]
	was := srv.down
	srv.down = false
	s.mu.Unlock()
	if was {
		s.log.Warn("ldap server up again", "url", srv.url)
	}
}
