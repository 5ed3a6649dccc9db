package admin

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/radius2fa/radius2fa/store"
	"github.com/radius2fa/radius2fa/totp"
)

// ExportHeader is the header row of a CSV export; Import reads it back.
const ExportHeader = "user,secret,digits,period,algorithm,created"

// Export implements API: CSV (ExportHeader, period in seconds, created in
// RFC 3339) or one otpauth:// URI per line, for every registered user in
// byte order. Without o.WithSecrets the secret column is empty, and URIs,
// which are nothing without the secret, are refused.
func (l *Local) Export(ctx context.Context, w io.Writer, o ExportOptions) (int, error) {
	switch {
	case o.Format != "" && o.Format != FormatCSV && o.Format != FormatURI:
		return 0, fail(ErrInvalid, "unknown export format %q (want csv or uri)", o.Format)
	case o.Format == FormatURI && !o.WithSecrets:
		return 0, fail(ErrInvalid, "an otpauth:// URI carries the secret: add --with-secrets (or export --format csv without secrets)")
	}
	// Logged first: who took the secrets matters even if it fails.
	l.audit(ctx, "export", "", "format", formatOr(o.Format), "with_secrets", o.WithSecrets)
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := csv.NewWriter(bw)
	issuer := l.opts.Config().TOTP.Issuer
	if o.Format != FormatURI {
		if _, err := io.WriteString(bw, ExportHeader+"\n"); err != nil {
			return 0, err
		}
	}
	n := 0
	err := l.opts.Store.List(ctx, func(st store.UserState) error {
		e := st.Enrollment
		if e == nil {
			return nil
		}
		n++
		if o.Format == FormatURI {
			return writeURI(bw, issuer, e)
		}
		return cw.Write(exportRow(e, o.WithSecrets))
	})
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if err == nil {
		err = bw.Flush()
	}
	return n, err
}

// exportRow is one CSV row of ExportHeader.
func exportRow(e *store.Enrollment, withSecret bool) []string {
	secret := ""
	if withSecret {
		secret = totp.EncodeSecret(e.Secret)
	}
	return []string{
		e.User, secret, strconv.Itoa(e.Digits), strconv.Itoa(int(e.Period / time.Second)),
		e.Algorithm, e.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// writeURI writes one enrollment as an otpauth:// URI line.
func writeURI(w io.Writer, issuer string, e *store.Enrollment) error {
	p := totp.Params{Digits: e.Digits, Period: e.Period, Algorithm: totp.Algorithm(e.Algorithm)}
	uri := totp.URI(issuer, e.User, e.Secret, p)
	if uri == "" {
		return fmt.Errorf("export: user %q has parameters no otpauth:// URI can carry (%d digits, %s, %s)", e.User, e.Digits, e.Period, e.Algorithm)
	}
	_, err := io.WriteString(w, uri+"\n")
	return err
}

func formatOr(f string) string {
	if f == "" {
		return FormatCSV
	}
	return f
}
