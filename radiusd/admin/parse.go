package admin

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/radius2fa/radius2fa/directory"
	"github.com/radius2fa/radius2fa/store"
)

// Reading an import: every line is checked and either becomes an
// enrollment or a BadLine with its reason; nothing is written here.
// Blank lines and lines starting with '#' are skipped. User names are
// canonicalised with directory.Canonical, never looked up in LDAP (a
// migration of 300,000 users must take seconds), and a user may appear
// once: a later line for the same user is bad.

// record is one user's fields as the file spells them.
type record struct {
	user, secret, digits, period, algorithm, created string
}

// parser collects the result of an import.
type parser struct {
	format     string // FormatCSV or FormatURI; "" until the first data line
	cols       *columns
	header     bool // a header row is still possible (no data line seen)
	stripRealm bool
	now        time.Time

	first map[string]int // canonical user → line of its first appearance
	es    []store.Enrollment
	bad   []BadLine
}

// parseImport reads every line of r. It fails only for options that make
// no sense (ErrInvalid) and for a read error; bad lines are returned.
func parseImport(r io.Reader, o ImportOptions, stripRealm bool, now time.Time) ([]store.Enrollment, []BadLine, error) {
	p := &parser{format: o.Format, header: true, stripRealm: stripRealm, now: now, first: map[string]int{}}
	switch o.Format {
	case "", FormatCSV, FormatURI:
	default:
		return nil, nil, fail(ErrInvalid, "unknown import format %q (want csv or uri)", o.Format)
	}
	if o.Columns != nil {
		cols, err := parseColumns(o.Columns)
		if err != nil {
			return nil, nil, err
		}
		p.cols = cols
	}
	lr := newLineReader(r)
	for {
		line, n, tooLong, err := lr.next()
		if err == io.EOF {
			return p.es, p.bad, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading line %d: %w", n+1, err)
		}
		if tooLong {
			p.badLine(n, fmt.Sprintf("longer than %d bytes", maxLineBytes))
			continue
		}
		if err := p.line(n, line); err != nil {
			return nil, nil, err
		}
	}
}

// line handles one line of the file.
func (p *parser) line(n int, line string) error {
	text := strings.TrimSpace(line)
	if text == "" || strings.HasPrefix(text, "#") {
		return nil
	}
	if p.format == "" {
		p.format = FormatCSV
		if hasPrefixFold(text, "otpauth:") {
			p.format = FormatURI
		}
	}
	if p.format == FormatURI {
		p.header = false
		if r, problem := uriRecord(text); problem != "" {
			p.badLine(n, problem)
		} else {
			p.add(n, r)
		}
		return nil
	}
	return p.csvLine(n, text)
}

// csvLine handles one data line of a CSV file; the first one may be a
// header row.
func (p *parser) csvLine(n int, text string) error {
	fields, err := splitCSV(text)
	if err != nil {
		p.badLine(n, "not CSV: "+err.Error())
		return nil
	}
	header := p.header && isHeader(fields)
	p.header = false
	if header {
		if p.cols != nil {
			return nil // --columns says the layout; the header is skipped
		}
		cols, err := parseColumns(fields)
		if err != nil {
			return fmt.Errorf("header row on line %d: %w", n, err)
		}
		p.cols = cols
		return nil
	}
	if p.cols == nil {
		p.cols = defaultColumns()
	}
	r, problem := p.cols.record(fields)
	if problem != "" {
		p.badLine(n, problem)
		return nil
	}
	p.add(n, r)
	return nil
}

// add checks one user's fields and keeps the enrollment or the problems.
func (p *parser) add(n int, r record) {
	var problems []string
	problem := func(s string) {
		if s != "" {
			problems = append(problems, s)
		}
	}
	user := directory.Canonical(r.user, p.stripRealm)
	userOK := userProblem(user)
	problem(userOK)
	secret, msg := parseSecret(r.secret)
	problem(msg)
	digits, msg := parseDigits(r.digits)
	problem(msg)
	period, msg := parsePeriod(r.period)
	problem(msg)
	algorithm, msg := parseAlgorithm(r.algorithm)
	problem(msg)
	created, msg := parseCreated(r.created, p.now)
	problem(msg)
	if userOK == "" {
		if first, seen := p.first[user]; seen {
			problem(fmt.Sprintf("user %q appears again (first on line %d)", user, first))
		} else {
			p.first[user] = n
		}
	}
	if len(problems) > 0 {
		p.badLine(n, strings.Join(problems, "; "))
		return
	}
	p.es = append(p.es, store.Enrollment{
		User: user, Secret: secret, Digits: digits, Period: period, Algorithm: algorithm, CreatedAt: created,
	})
}

func (p *parser) badLine(n int, reason string) {
	p.bad = append(p.bad, BadLine{Line: n, Reason: reason})
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
