package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The Client's streams: the user list, imports, exports and backups go
// through the socket as they are read or written, never whole in memory.

// query encodes options for a URL.
func query(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}

func flagValue(b bool) string {
	if b {
		return "1"
	}
	return ""
}

// ListUsers implements API.
func (c *Client) ListUsers(ctx context.Context, fn func(UserInfo) error) error {
	resp, err := c.do(ctx, http.MethodGet, "/v1/users", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var u UserInfo
		err := dec.Decode(&u)
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("admin socket: reading the user list: %w", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	if err := trailerErr(resp); err != nil {
		return err
	}
	if resp.Trailer.Get(trailerCount) == "" {
		return errors.New("admin socket: the daemon did not say the user list was complete")
	}
	return nil
}

// Import implements API: r is streamed to the daemon as it is read.
func (c *Client) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	path := "/v1/import" + query("format", o.Format, "columns", strings.Join(o.Columns, ","), "skip_bad", flagValue(o.SkipBad))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://radius2fa"+path, io.NopCloser(r))
	if err != nil {
		return ImportReport{}, err
	}
	if c.sudoUser != "" {
		req.Header.Set(headerSudoUser, c.sudoUser)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return ImportReport{}, fmt.Errorf("admin socket %s: %w", c.socket, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var we wireError
		if err := json.NewDecoder(resp.Body).Decode(&we); err != nil || we.Error == "" {
			return ImportReport{}, fmt.Errorf("admin socket: %s", resp.Status)
		}
		var report ImportReport
		if we.Report != nil {
			report = *we.Report
		}
		return report, decodeError(we)
	}
	var report ImportReport
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		return ImportReport{}, fmt.Errorf("admin socket: reading the import report: %w", err)
	}
	return report, nil
}

// Export implements API.
func (c *Client) Export(ctx context.Context, w io.Writer, o ExportOptions) (int, error) {
	n, err := c.download(ctx, "/v1/export"+query("format", o.Format, "with_secrets", flagValue(o.WithSecrets)), w)
	return int(n), err
}

// Backup implements API.
func (c *Client) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return c.download(ctx, "/v1/backup", w)
}

// download copies a streamed answer to w and returns the count the
// daemon reports.
func (c *Client) download(ctx context.Context, path string, w io.Writer) (int64, error) {
	resp, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return 0, fmt.Errorf("admin socket: %w", err)
	}
	if err := trailerErr(resp); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(resp.Trailer.Get(trailerCount), 10, 64)
	if err != nil {
		return 0, errors.New("admin socket: the daemon did not say the stream was complete")
	}
	return n, nil
}

// trailerErr returns the error a stream's trailer reports, once the body
// has been read to its end.
func trailerErr(resp *http.Response) error {
	if msg := resp.Trailer.Get(trailerError); msg != "" {
		return fmt.Errorf("the daemon failed midway: %s", msg)
	}
	return nil
}
