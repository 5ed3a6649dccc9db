package admin

import (
	"context"
	"fmt"
	"io"
)

// Import implements API. Every line is checked before anything is
// written; the good ones are stored in one transaction (store
// EnrollMany), replacing earlier enrollments of those users.
func (l *Local) Import(ctx context.Context, r io.Reader, o ImportOptions) (ImportReport, error) {
	cfg := l.opts.Config()
	es, bad, err := parseImport(r, o, cfg.LDAP.StripRealm, l.opts.Now())
	if err != nil {
		return ImportReport{}, err
	}
	report := ImportReport{Valid: len(es), Bad: bad}
	switch {
	case len(bad) > 0 && (!o.SkipBad || len(es) == 0):
		l.audit(ctx, "import", "", "imported", 0, "valid", len(es), "bad_lines", len(bad))
		return report, fail(ErrBadLines, "%s", rejection(report))
	case len(es) == 0:
		return report, fail(ErrInvalid, "nothing to import: no user lines")
	}
	if err := l.opts.Store.EnrollMany(ctx, es); err != nil {
		return report, fmt.Errorf("import: %w", err)
	}
	report.Imported = len(es)
	l.audit(ctx, "import", "", "imported", len(es), "valid", len(es), "bad_lines", len(bad))
	return report, nil
}

// rejection says why nothing was imported.
func rejection(r ImportReport) string {
	if r.Valid == 0 {
		return fmt.Sprintf("nothing imported: %s, no good one", plural(len(r.Bad), "bad line"))
	}
	return fmt.Sprintf("nothing imported: %s (fix them, or use --skip-bad to import the %s)",
		plural(len(r.Bad), "bad line"), plural(r.Valid, "good one"))
}
