package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/radius2fa/radius2fa/totp"
)

// errUsers marks a users file that cannot be used.
var errUsers = errors.New("users file")

// user is one account from the users file.
type user struct {
	name     string
	password string
	secret   []byte // raw TOTP secret; nil when the file has no secret column
}

// Column roles in a users file.
const (
	colSkip = iota
	colUser
	colPassword
	colSecret
)

// columnRole returns the role of a column name -columns accepts.
func columnRole(name string) (int, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "-":
		return colSkip, true
	case "user", "uid", "username":
		return colUser, true
	case "password":
		return colPassword, true
	case "secret", "totp_secret", "totp_secret_base32":
		return colSecret, true
	}
	return 0, false
}

// layout says which CSV field holds what.
type layout struct {
	user, password, secret int // field index, -1 when absent
	width                  int // fields a line needs
}

// parseColumns reads a -columns value such as "uid,password,-,secret".
func parseColumns(spec string) (layout, error) {
	l := layout{user: -1, password: -1, secret: -1}
	for i, name := range strings.Split(spec, ",") {
		role, ok := columnRole(name)
		if !ok {
			return l, fmt.Errorf("%w: -columns: unknown column %q (known: user or uid, password, secret or totp_secret_base32, - to skip)", errUsage, name)
		}
		var idx *int
		switch role {
		case colUser:
			idx = &l.user
		case colPassword:
			idx = &l.password
		case colSecret:
			idx = &l.secret
		default:
			continue
		}
		if *idx >= 0 {
			return l, fmt.Errorf("%w: -columns: %q appears twice", errUsage, name)
		}
		*idx, l.width = i, i+1
	}
	if l.user < 0 || l.password < 0 {
		return l, fmt.Errorf("%w: -columns %q: needs a user and a password column", errUsage, spec)
	}
	return l, nil
}

// isHeader reports whether a record is made of column names only (a
// header row such as "uid,password,totp_secret_base32").
func isHeader(rec []string) bool {
	for _, f := range rec {
		if _, ok := columnRole(f); !ok {
			return false
		}
	}
	return true
}

// loadUsers reads the users file at path. needSecret says whether every
// user needs a TOTP secret (append and challenge modes); maxPassword is the
// longest password that still fits User-Password with the code.
func loadUsers(path string, l layout, needSecret bool, maxPassword int) ([]user, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errUsers, err)
	}
	users, err := readUsers(bytes.NewReader(b), l, needSecret, maxPassword, bytes.Count(b, []byte("\n"))+1)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return users, nil
}

// maxReported is how many bad lines an error lists.
const maxReported = 10

// readUsers parses a users file of about lines lines. It reports up to
// maxReported bad lines, by number; no error contains a password or a
// secret.
func readUsers(r io.Reader, l layout, needSecret bool, maxPassword, lines int) ([]user, error) {
	if needSecret && l.secret < 0 {
		return nil, fmt.Errorf("%w: -columns has no secret column, which this -mode needs", errUsage)
	}
	if !needSecret {
		l.secret = -1 // -mode password: secrets are not read
	}
	cr := csv.NewReader(skipBOM(r))
	cr.Comment, cr.FieldsPerRecord, cr.ReuseRecord, cr.LazyQuotes = '#', -1, true, true
	var (
		users = make([]user, 0, lines)
		seen  = make(map[string]int, lines)
		bad   []string
		nBad  int
	)
	for first := true; ; first = false {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errUsers, err)
		}
		line, _ := cr.FieldPos(0)
		if first && isHeader(rec) || len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		u, err := parseUser(rec, l, maxPassword)
		if err == nil {
			key := strings.ToLower(u.name)
			if prev, dup := seen[key]; dup {
				err = fmt.Errorf("user %q appears again (first on line %d)", u.name, prev)
			} else {
				seen[key] = line
			}
		}
		if err != nil {
			if nBad++; nBad <= maxReported {
				bad = append(bad, fmt.Sprintf("line %d: %v", line, err))
			}
			continue
		}
		users = append(users, u)
	}
	if nBad > maxReported {
		bad = append(bad, fmt.Sprintf("and %d more bad lines", nBad-maxReported))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%w: %s", errUsers, strings.Join(bad, "\n"))
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%w: no users", errUsers)
	}
	return users, nil
}

// parseUser builds one user from a record.
func parseUser(rec []string, l layout, maxPassword int) (user, error) {
	if len(rec) < l.width {
		return user{}, fmt.Errorf("%d fields, the layout needs %d", len(rec), l.width)
	}
	u := user{name: strings.TrimSpace(rec[l.user]), password: rec[l.password]}
	switch {
	case u.name == "":
		return u, errors.New("empty user name")
	case len(u.name) > maxAttrLen:
		return u, fmt.Errorf("user name longer than %d bytes", maxAttrLen)
	case len(u.password) > maxPassword:
		return u, fmt.Errorf("password longer than %d bytes (User-Password holds %d with the code)", maxPassword, maxPasswordLen)
	}
	if l.secret >= 0 {
		s, err := totp.DecodeSecret(rec[l.secret])
		if err != nil {
			return u, fmt.Errorf("secret: %w", err)
		}
		u.secret = s
	}
	return u, nil
}

// skipBOM drops a UTF-8 byte order mark at the start of r.
func skipBOM(r io.Reader) io.Reader {
	var head [3]byte
	n, _ := io.ReadFull(r, head[:])
	if n == 3 && bytes.Equal(head[:], []byte("\xef\xbb\xbf")) {
		return r
	}
	return io.MultiReader(bytes.NewReader(head[:n]), r)
}
