package admin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"
)

// shutdownGrace is how long Close lets requests in flight finish.
const shutdownGrace = 5 * time.Second

// Server serves an API on the admin socket.
type Server struct {
	api  API
	log  *slog.Logger
	path string
	file os.FileInfo // the socket file we created
	euid int         // besides root, the one user served
	http *http.Server
	done chan struct{} // closed when Serve has returned
}

type peerKey struct{}

// peer is who is at the other end of a connection.
type peer struct {
	uid int
	err error
}

// Listen creates the admin socket at path (see the package comment) and
// serves api on it until Close. Requests see ctx's values but not its
// cancellation: the daemon cancels ctx when it begins to stop, and Close
// then still lets requests in flight finish.
func Listen(ctx context.Context, path string, api API, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, fi, err := listenSocket(path)
	if err != nil {
		return nil, err
	}
	s := &Server{api: api, log: log, path: path, file: fi, euid: os.Geteuid(), done: make(chan struct{})}
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			uid, err := peerUID(c)
			return context.WithValue(ctx, peerKey{}, peer{uid: uid, err: err})
		},
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin socket stopped", "socket", path, "err", err)
		}
	}()
	return s, nil
}

// Path returns the socket's path.
func (s *Server) Path() string { return s.path }

// Close stops accepting, lets requests in flight finish for a few
// seconds, cuts the rest and removes the socket file.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if err != nil {
		err = s.http.Close()
	}
	<-s.done
	removeIfSame(s.path, s.file)
	return err
}

// routes is the protocol; see the package comment.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/ping", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, ping{Service: "radius2fa", Version: protocolVersion})
	})
	mux.HandleFunc("GET /v1/users", s.listUsers)
	mux.HandleFunc("POST /v1/user/{action}", s.userAction)
	mux.HandleFunc("POST /v1/import", s.importUsers)
	mux.HandleFunc("GET /v1/export", s.exportUsers)
	mux.HandleFunc("GET /v1/backup", s.backup)
	mux.HandleFunc("POST /v1/reload", s.reload)
	return s.authorize(mux)
}

// authorize serves only root and the daemon's own user, and puts the
// actor into the request's context for the audit lines.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := r.Context().Value(peerKey{}).(peer)
		switch {
		case !ok || p.err != nil:
			s.log.Warn("admin request refused: unknown peer", "path", r.URL.Path, "err", p.err)
			s.fail(w, r, fail(ErrForbidden, "cannot tell who is calling: refused"))
			return
		case p.uid != 0 && p.uid != s.euid:
			s.log.Warn("admin request refused", "path", r.URL.Path, "uid", p.uid)
			s.fail(w, r, fail(ErrForbidden, "uid %d may not use the admin socket (only root and uid %d)", p.uid, s.euid))
			return
		}
		a := ActorFor(p.uid, r.Header.Get(headerSudoUser))
		next.ServeHTTP(w, r.WithContext(WithActor(r.Context(), a)))
	})
}

// fail answers with err as a wire error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	we, status := encodeError(err)
	if status == http.StatusInternalServerError {
		s.log.Error("admin request failed", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, we)
}
