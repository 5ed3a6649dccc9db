package radiusd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/radius2fa/radius2fa/config"
	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
)

// Directory finds users and checks their passwords.
type Directory interface {
	// Lookup finds user; false means no such user.
	Lookup(ctx context.Context, user string) (directory.Identity, bool, error)
	// CheckUserPassword binds as the user Lookup found; false means a
	// wrong password. It returns the identity the password was checked
	// against (a cached one may have been refreshed).
	CheckUserPassword(ctx context.Context, user string, id directory.Identity, password string) (directory.Identity, bool, error)
}

var _ Directory = (*directory.Client)(nil)

// Enrollments is what the server needs of the store.
type Enrollments interface {
	Get(ctx context.Context, user string) (store.UserState, error)
	AcceptStep(ctx context.Context, user string, enrollmentID, step uint64, now time.Time) error
	AcceptStepAsync(ctx context.Context, user string, enrollmentID, step uint64, now time.Time) <-chan error
	ReleaseStep(ctx context.Context, user string, enrollmentID, step uint64, before store.UserState) error
	RecordFailure(ctx context.Context, user string, now time.Time, l store.Lockout) (store.UserState, error)
	UseRecoveryCode(ctx context.Context, user string, now time.Time, match func(hash []byte) bool) (int, error)
}

var _ Enrollments = (store.Store)(nil)

// Observer is told about every decision, for metrics. Its methods must be
// safe for concurrent use and must not block.
type Observer interface {
	// ObserveRequest is called once per Access-Request handled, with the
	// outcome (accept, reject, challenge, drop) and reason of the audit
	// line and the time it took.
	ObserveRequest(client, outcome, reason string, latency time.Duration)
	// ObserveLockout is called when a wrong code locks a user out.
	ObserveLockout(client string)
}

type nopObserver struct{}

func (nopObserver) ObserveRequest(string, string, string, time.Duration) {}
func (nopObserver) ObserveLockout(string)                                {}

// Options are the server's collaborators and tuning knobs.
type Options struct {
	// Directory is the directory of the first configuration; Reload
	// brings the next one.
	Directory Directory
	Store     Enrollments
	Logger    *slog.Logger
	// Observer receives metrics; nil means none.
	Observer Observer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Workers handle requests concurrently on each listener; 0 → 256.
	Workers int
	// Queue holds datagrams waiting for a worker; 0 → 4096. Beyond it
	// datagrams are dropped (the NAS retransmits).
	Queue int
	// RequestTimeout bounds the handling of one request; 0 → 10s.
	RequestTimeout time.Duration
	// CacheTTL is how long a response is kept for retransmits; 0 → 10s.
	CacheTTL time.Duration
	// Debug logs every packet received and sent with its attributes
	// (passwords hidden), for admins debugging a NAS.
	Debug bool
}

// Server answers RADIUS requests. Its configuration can be replaced while
// it serves (Reload); a request in flight finishes with the configuration
// it started with.
type Server struct {
	opts  Options
	log   *slog.Logger
	store Enrollments
	now   func() time.Time
	rt    atomic.Pointer[runtimeConfig]
	cache *dupCache
	// challenges outlive a reload: a user half-way through a login
	// finishes it.
	challenges *challenges
	dropLog    *rateLimiter
	maSeen     sync.Map // maSeenKey → struct{}: sources that sent a valid Message-Authenticator
	counters   counters
}

type maSeenKey struct {
	client string
	addr   netip.Addr
}

// runtimeConfig is the part of the configuration the request path reads,
// compiled once per load.
type runtimeConfig struct {
	dir              Directory
	clients          clientTable
	policy           policy
	msgs             messages
	totp             config.TOTP
	lockout          store.Lockout
	challengeTimeout time.Duration
	stripRealm       bool
}

func compile(cfg *config.Config, dir Directory) *runtimeConfig {
	return &runtimeConfig{
		dir:              dir,
		clients:          newClientTable(cfg.Radius.Clients),
		policy:           newPolicy(cfg.Policy),
		msgs:             newMessages(cfg.Messages, cfg.Enroll.PublicURL),
		totp:             cfg.TOTP,
		lockout:          store.Lockout{MaxFailures: cfg.Lockout.MaxFailures, Duration: cfg.Lockout.Duration},
		challengeTimeout: cfg.Radius.ChallengeTimeout,
		stripRealm:       cfg.LDAP.StripRealm,
	}
}

// New returns a server for a validated configuration.
func New(cfg *config.Config, opts Options) (*Server, error) {
	if opts.Directory == nil || opts.Store == nil {
		return nil, errors.New("radiusd: a directory and a store are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	if opts.Workers <= 0 {
		opts.Workers = 256
	}
	if opts.Queue <= 0 {
		opts.Queue = 4096
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	if opts.CacheTTL <= 0 {
		opts.CacheTTL = 10 * time.Second
	}
	s := &Server{
		opts:       opts,
		log:        opts.Logger,
		store:      opts.Store,
		now:        opts.Now,
		cache:      newDupCache(opts.CacheTTL, opts.Now()),
		challenges: newChallenges(100000),
		dropLog:    newRateLimiter(time.Minute, 10000),
	}
	s.rt.Store(compile(cfg, opts.Directory))
	return s, nil
}

// Reload replaces the clients, policy, messages, TOTP settings and the
// directory for requests that arrive from now on; requests in flight
// finish with what they started with. cfg must be valid; dir is the
// directory for cfg.LDAP (the same one when that did not change). The
// caller closes a replaced directory once requests in flight are done
// (RequestTimeout).
func (s *Server) Reload(cfg *config.Config, dir Directory) {
	s.rt.Store(compile(cfg, dir))
}

// RequestTimeout is the longest a request is worked on.
func (s *Server) RequestTimeout() time.Duration { return s.opts.RequestTimeout }

// job is one datagram waiting for a worker.
type job struct {
	buf  []byte
	addr *net.UDPAddr
}

// Serve answers authentication requests (Access-Request, Status-Server)
// arriving on conn until ctx is cancelled, then stops reading, lets the
// requests in flight finish and returns nil. conn stays open; the caller
// closes it.
func (s *Server) Serve(ctx context.Context, conn net.PacketConn) error {
	return s.serve(ctx, conn, s.handleAuth)
}

// ServeAccounting answers Accounting-Request (and Status-Server) on conn
// with Accounting-Response, as Serve does for authentication. Nothing is
// recorded: the answer only keeps NAS that insist on accounting happy.
func (s *Server) ServeAccounting(ctx context.Context, conn net.PacketConn) error {
	return s.serve(ctx, conn, s.handleAccounting)
}

func (s *Server) serve(ctx context.Context, conn net.PacketConn, handle func(net.PacketConn, *datagram)) error {
	d := newDispatcher(s.opts.Workers, s.opts.Queue)

	var wg sync.WaitGroup
	for range s.opts.Workers {
		wg.Go(func() {
			inbox := make(chan *job, 1)
			for {
				j, ok := d.next(inbox)
				if !ok {
					return
				}
				s.safely(conn, j, handle)
			}
		})
	}
	sweepDone := make(chan struct{})
	wg.Go(func() { s.sweepLoop(ctx, sweepDone) })

	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()

	var err error
	buf := make([]byte, radius.MaxPacketLength+1)
	for {
		n, addr, rerr := conn.ReadFrom(buf)
		if rerr != nil {
			if ctx.Err() == nil {
				err = fmt.Errorf("radiusd: read: %w", rerr)
			}
			break
		}
		udp, ok := addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		s.counters.received.Add(1)
		if !d.dispatch(&job{buf: append([]byte(nil), buf[:n]...), addr: udp}) {
			s.drop(dropQueueFull, udp.AddrPort().Addr(), "")
		}
	}
	d.close()
	close(sweepDone)
	wg.Wait()
	return err
}

func (s *Server) sweepLoop(ctx context.Context, done <-chan struct{}) {
	t := time.NewTicker(s.cache.sweepEvery())
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			s.cache.sweep(s.now())
			s.challenges.sweep(s.now())
		}
	}
}

// datagram is a packet from a known client that parses as RADIUS.
type datagram struct {
	src  netip.AddrPort // IPv4-mapped addresses unmapped
	addr *net.UDPAddr   // where to answer
	rt   *runtimeConfig // the configuration it is handled with
	cl   *client
	raw  []byte // exactly the packet, without trailing padding
	pkt  *radius.Packet
}

// safely finds the client of a datagram, parses it and hands it to handle;
// a panic while handling it is logged and the datagram dropped.
func (s *Server) safely(conn net.PacketConn, j *job, handle func(net.PacketConn, *datagram)) {
	src := j.addr.AddrPort()
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	defer func() {
		if r := recover(); r != nil {
			s.counters.drops[dropPanic].Add(1)
			s.log.Error("panic while handling a request", "src", src.String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()

	rt := s.rt.Load()
	cl := rt.clients.lookup(src.Addr())
	if cl == nil {
		s.drop(dropUnknownClient, src.Addr(), "")
		return
	}
	l := packetLength(j.buf)
	if l < headerLen || l > len(j.buf) {
		s.drop(dropMalformed, src.Addr(), cl.name)
		return
	}
	raw := j.buf[:l]
	pkt, err := radius.Parse(raw, cl.secret)
	if err != nil {
		s.drop(dropMalformed, src.Addr(), cl.name)
		return
	}
	if s.opts.Debug {
		s.dumpPacket("received", cl.name, src, pkt)
	}
	handle(conn, &datagram{src: src, addr: j.addr, rt: rt, cl: cl, raw: raw, pkt: pkt})
}

// handleAuth answers an Access-Request or a Status-Server.
func (s *Server) handleAuth(conn net.PacketConn, d *datagram) {
	switch d.pkt.Code {
	case radius.CodeAccessRequest:
	case radius.CodeStatusServer:
		s.statusServer(conn, d, radius.CodeAccessAccept)
		return
	default:
		s.drop(dropUnexpectedCode, d.src.Addr(), d.cl.name)
		return
	}
	authenticated, cause := s.checkAuthenticator(d.cl, d.src.Addr(), d.raw, d.pkt)
	if cause >= 0 {
		s.drop(cause, d.src.Addr(), d.cl.name)
		return
	}

	key := newCacheKey(d.src, d.pkt.Identifier, d.pkt.Authenticator)
	switch state, resp := s.cache.begin(key, s.now()); state {
	case cacheReplay:
		if resp = d.cl.expandResponse(resp, d.pkt); resp == nil {
			// The answer does not sign again to the same bytes: the
			// client's secret changed since, or the request only shares
			// the original's cache entry. A duplicate all the same.
			s.counters.drops[dropInFlight].Add(1)
			return
		}
		s.counters.cacheHits.Add(1)
		s.write(conn, resp, d)
		return
	case cacheInFlight:
		s.counters.drops[dropInFlight].Add(1)
		return
	}
	finished := false
	defer func() {
		if !finished { // panicked: retransmits of this request stay unanswered
			s.cache.finish(key, nil, s.now())
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), s.opts.RequestTimeout)
	defer cancel()
	resp := s.access(ctx, d.rt, d.cl, d.pkt, d.src, authenticated)
	// Cache first, then send: a retransmit racing the answer must find it.
	// No response (dropped) compacts to nothing, which the cache keeps
	// as dropped.
	var kept [64]byte // an Access-Accept keeps 8 bytes
	s.cache.finish(key, appendCompact(kept[:0], resp), s.now())
	finished = true
	if resp != nil {
		s.write(conn, resp, d)
	}
}

// handleAccounting answers an Accounting-Request whose Request
// Authenticator proves the shared secret, or a Status-Server.
func (s *Server) handleAccounting(conn net.PacketConn, d *datagram) {
	switch d.pkt.Code {
	case radius.CodeAccountingRequest:
	case radius.CodeStatusServer:
		s.statusServer(conn, d, radius.CodeAccountingResponse)
		return
	default:
		s.drop(dropUnexpectedCode, d.src.Addr(), d.cl.name)
		return
	}
	if !radius.IsAuthenticRequest(d.raw, d.cl.secret) {
		s.drop(dropBadAuthenticator, d.src.Addr(), d.cl.name)
		return
	}
	if present, valid := d.cl.messageAuthenticator(d.raw, true); present && !valid {
		s.drop(dropBadAuthenticator, d.src.Addr(), d.cl.name)
		return
	}
	s.respond(conn, d, radius.CodeAccountingResponse)
	s.counters.accounting.Add(1)
}

// statusServer answers a Status-Server (RFC 5997), which must carry a
// valid Message-Authenticator, with code and no other attributes.
func (s *Server) statusServer(conn net.PacketConn, d *datagram, code radius.Code) {
	present, valid := d.cl.messageAuthenticator(d.raw, false)
	switch {
	case !present:
		s.drop(dropMissingAuthenticator, d.src.Addr(), d.cl.name)
		return
	case !valid:
		s.drop(dropBadAuthenticator, d.src.Addr(), d.cl.name)
		return
	}
	s.respond(conn, d, code)
	s.counters.statusReply.Add(1)
}

// respond sends an answer with no attributes but the Message-Authenticator
// and Proxy-State.
func (s *Server) respond(conn net.PacketConn, d *datagram, code radius.Code) {
	b, err := d.cl.encodeResponse(code, d.pkt, nil)
	if err != nil {
		s.log.Error("cannot encode response", "client", d.cl.name, "err", err)
		return
	}
	s.write(conn, b, d)
}

// checkAuthenticator applies the Message-Authenticator rules (RFC 3579,
// BlastRADIUS): a wrong one is always dropped; a missing one is dropped
// when the client requires it, when the source has sent valid ones before
// (auto), or when the request carries Proxy-State and the client is not a
// proxy. It returns whether the request is authenticated, or a drop cause
// (-1 for none).
func (s *Server) checkAuthenticator(cl *client, src netip.Addr, raw []byte, pkt *radius.Packet) (bool, dropCause) {
	present, valid := cl.messageAuthenticator(raw, false)
	switch {
	case present && !valid:
		return false, dropBadAuthenticator
	case present:
		if cl.requireMA == config.RequireMAAuto {
			s.maSeen.LoadOrStore(maSeenKey{cl.name, src}, struct{}{})
		}
		return true, -1
	case cl.requireMA == config.RequireMAYes:
		return false, dropMissingAuthenticator
	case cl.requireMA == config.RequireMAAuto && s.sawAuthenticator(cl, src):
		return false, dropMissingAuthenticator
	}
	if _, ok := pkt.Lookup(rfc2865.ProxyState_Type); ok && !cl.proxy {
		return false, dropProxyState
	}
	return false, -1
}

func (s *Server) sawAuthenticator(cl *client, src netip.Addr) bool {
	_, ok := s.maSeen.Load(maSeenKey{cl.name, src})
	return ok
}

// write sends the answer to d.
func (s *Server) write(conn net.PacketConn, b []byte, d *datagram) {
	if s.opts.Debug {
		if resp, err := radius.Parse(b, d.cl.secret); err == nil {
			s.dumpPacket("sent", d.cl.name, d.src, resp)
		}
	}
	if _, err := conn.WriteTo(b, d.addr); err != nil {
		s.log.Warn("cannot send response", "dst", d.addr.String(), "err", err)
	}
}

// drop counts a datagram left unanswered and logs it at most once a minute
// per source.
func (s *Server) drop(cause dropCause, src netip.Addr, clientName string) {
	s.counters.drops[cause].Add(1)
	if ok, suppressed := s.dropLog.allow(src, s.now()); ok {
		s.log.Warn("dropped request", "reason", cause.String(), "src", src.String(), "client", clientName, "suppressed_since_last", suppressed)
	}
}
