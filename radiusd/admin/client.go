package admin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"time"
)

// dialTimeout bounds connecting to the socket and the first ping.
const dialTimeout = 5 * time.Second

// Client is the API of a daemon, spoken to over its admin socket.
type Client struct {
	socket   string
	sudoUser string
	http     *http.Client
}

var _ API = (*Client)(nil)

// Dial connects to the daemon answering on socket and checks that it
// speaks this protocol. When no process answers there (no socket file,
// or a stale one), the error matches ErrNoDaemon: the caller may then
// open the store itself. sudoUser is the caller's SUDO_USER, for the
// audit line (see ActorFor).
func Dial(ctx context.Context, socket, sudoUser string) (*Client, error) {
	d := &net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "unix", socket)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
		return nil, fail(ErrNoDaemon, "no daemon is answering on the admin socket %s", socket)
	}
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("admin socket %s: %w (run the command as root or as the daemon's user)", socket, err)
	}
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", socket, err)
	}
	conn.Close()
	c := &Client{socket: socket, sudoUser: sudoUser, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", socket)
		},
		DisableCompression: true,
		MaxIdleConns:       2,
	}}}
	pctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	var p ping
	if err := c.call(pctx, http.MethodGet, "/v1/ping", nil, &p); err != nil {
		c.Close()
		return nil, fmt.Errorf("admin socket %s: %w", socket, err)
	}
	if p.Service != "radius2fa" || p.Version != protocolVersion {
		c.Close()
		return nil, fmt.Errorf("admin socket %s: answered by %q version %d, want radius2fa version %d (a daemon of another release?)", socket, p.Service, p.Version, protocolVersion)
	}
	return c, nil
}

// Socket returns the path of the socket the client talks to.
func (c *Client) Socket() string { return c.socket }

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.http.CloseIdleConnections()
	return nil
}

// ShowUser implements API.
func (c *Client) ShowUser(ctx context.Context, r UserRequest) (UserInfo, error) {
	var u UserInfo
	return u, c.call(ctx, http.MethodPost, "/v1/user/show", r, &u)
}

// Enroll implements API.
func (c *Client) Enroll(ctx context.Context, r UserRequest) (Enrolled, error) {
	var e Enrolled
	return e, c.call(ctx, http.MethodPost, "/v1/user/enroll", r, &e)
}

// Reset implements API.
func (c *Client) Reset(ctx context.Context, r UserRequest) (UserInfo, error) {
	var u UserInfo
	return u, c.call(ctx, http.MethodPost, "/v1/user/reset", r, &u)
}

// Unlock implements API.
func (c *Client) Unlock(ctx context.Context, r UserRequest) (UserInfo, error) {
	var u UserInfo
	return u, c.call(ctx, http.MethodPost, "/v1/user/unlock", r, &u)
}

// RecoveryCodes implements API.
func (c *Client) RecoveryCodes(ctx context.Context, r UserRequest) (RecoveryCodes, error) {
	var rc RecoveryCodes
	return rc, c.call(ctx, http.MethodPost, "/v1/user/recovery-codes", r, &rc)
}

// Reload implements API.
func (c *Client) Reload(ctx context.Context) (ReloadResult, error) {
	var res ReloadResult
	return res, c.call(ctx, http.MethodPost, "/v1/reload", nil, &res)
}

// call sends a request with in as its JSON body (none when nil) and
// decodes the answer into out.
func (c *Client) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("admin socket: reading the answer to %s: %w", path, err)
	}
	return nil
}

// do sends a request; an answer other than 200 is returned as the error
// it carries.
func (c *Client) do(ctx context.Context, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://radius2fa"+path, body)
	if err != nil {
		return nil, err
	}
	if c.sudoUser != "" {
		req.Header.Set(headerSudoUser, c.sudoUser)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin socket %s: %w", c.socket, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	return nil, readError(resp)
}

// readError decodes an error response.
func readError(resp *http.Response) error {
	var we wireError
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&we); err != nil || we.Error == "" {
		return fmt.Errorf("admin socket: %s", resp.Status)
	}
	return decodeError(we)
}
