package admin

import (
	"encoding/csv"
	"fmt"
	"strings"
)

// colKind is what a CSV column holds.
type colKind int

const (
	colIgnored colKind = iota // password, -
	colUser
	colSecret
	colDigits
	colPeriod
	colAlgorithm
	colCreated
)

// kindOf returns the kind of a column name (case-insensitive); ok is
// false for a name that is none. uid and user, secret and
// totp_secret_base32 are synonyms; password and - are ignored columns.
func kindOf(name string) (colKind, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "user", "uid":
		return colUser, true
	case "secret", "totp_secret_base32":
		return colSecret, true
	case "digits":
		return colDigits, true
	case "period":
		return colPeriod, true
	case "algorithm":
		return colAlgorithm, true
	case "created":
		return colCreated, true
	case "password", "-":
		return colIgnored, true
	}
	return 0, false
}

// knownColumns lists the column names for messages.
const knownColumns = "user (or uid), secret (or totp_secret_base32), digits, period, algorithm, created, and password or - for columns to ignore"

// columns is the layout of a CSV import.
type columns struct {
	names []string  // as given, for messages
	kinds []colKind // by position
	need  int       // fields a line needs: up to the user and secret columns
}

// defaultColumns is the layout without --columns or a header row.
func defaultColumns() *columns {
	c, _ := parseColumns([]string{"user", "secret", "digits", "period", "algorithm", "created"})
	return c
}

// parseColumns checks a layout: every name known, one user and one
// secret column, no other column twice.
func parseColumns(names []string) (*columns, error) {
	c := &columns{names: names}
	seen := map[colKind]bool{}
	for i, name := range names {
		k, ok := kindOf(name)
		if !ok {
			return nil, fail(ErrInvalid, "unknown column %q (known: %s)", name, knownColumns)
		}
		if k != colIgnored && seen[k] {
			return nil, fail(ErrInvalid, "column %q appears twice", name)
		}
		seen[k] = true
		c.kinds = append(c.kinds, k)
		if k == colUser || k == colSecret {
			c.need = i + 1
		}
	}
	if !seen[colUser] || !seen[colSecret] {
		return nil, fail(ErrInvalid, "columns %q: need a user (or uid) and a secret (or totp_secret_base32) column", strings.Join(names, ","))
	}
	return c, nil
}

// isHeader reports whether a first row is a header: every cell is a
// column name, or it names a user column and a secret column (no base32
// secret reads "secret") among unknown names, which parseColumns then
// reports instead of every line failing under the default layout.
func isHeader(fields []string) bool {
	var user, secret bool
	all := len(fields) > 0
	for _, f := range fields {
		k, ok := kindOf(f)
		all = all && ok
		user = user || (ok && k == colUser)
		secret = secret || (ok && k == colSecret)
	}
	return all || (user && secret)
}

// record maps the fields of a line to a record, or says what is wrong
// with their number.
func (c *columns) record(fields []string) (record, string) {
	if len(fields) < c.need || len(fields) > len(c.kinds) {
		want := fmt.Sprintf("%d", len(c.kinds))
		if c.need < len(c.kinds) {
			want = fmt.Sprintf("%d to %d", c.need, len(c.kinds))
		}
		return record{}, fmt.Sprintf("%s, want %s (%s)", plural(len(fields), "field"), want, strings.Join(c.names, ","))
	}
	var r record
	for i, v := range fields {
		v = strings.TrimSpace(v)
		switch c.kinds[i] {
		case colUser:
			r.user = v
		case colSecret:
			r.secret = v
		case colDigits:
			r.digits = v
		case colPeriod:
			r.period = v
		case colAlgorithm:
			r.algorithm = v
		case colCreated:
			r.created = v
		}
	}
	return r, ""
}

// splitCSV splits one line at its commas; a line with quotes is read as
// RFC 4180 CSV ("a,b" is one field).
func splitCSV(line string) ([]string, error) {
	if !strings.Contains(line, `"`) {
		return strings.Split(line, ","), nil
	}
	r := csv.NewReader(strings.NewReader(line))
	r.FieldsPerRecord = -1
	fields, err := r.Read()
	if err != nil {
		if pe, ok := err.(*csv.ParseError); ok {
			return nil, pe.Err
		}
		return nil, err
	}
	return fields, nil
}
