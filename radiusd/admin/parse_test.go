package admin

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

var importNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// Secrets of the tests (20 and 10 bytes).
const (
	secretA = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	secretB = "GEZDGNBVGY3TQOJQ"
)

// parsed renders what parseImport made of a file: one line per
// enrollment, then one per bad line.
func parsed(t *testing.T, file string, o ImportOptions) string {
	t.Helper()
	es, bad, err := parseImport(strings.NewReader(file), o, true, importNow)
	if err != nil {
		t.Fatalf("parseImport: %v", err)
	}
	var b strings.Builder
	for _, e := range es {
		created := "now"
		if !e.CreatedAt.Equal(importNow) {
			created = e.CreatedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(&b, "%s %s %d %s %s %s\n", e.User, totp.EncodeSecret(e.Secret), e.Digits, e.Period, e.Algorithm, created)
	}
	for _, l := range bad {
		fmt.Fprintln(&b, l)
	}
	return b.String()
}

func TestParseImport(t *testing.T) {
	tests := []struct {
		name string
		file string
		opts ImportOptions
		want string
	}{{
		name: "default layout, comments, blank lines, optional columns",
		file: "# exported from the old server\n\nalice," + secretA + "\n  \nbob," + secretB + ",8,60,sha256\ncarol,jbsw y3dp-ehpk 3pxp,,,,2025-04-01T09:00:00Z\n",
		want: "alice " + secretA + " 6 30s SHA1 now\n" +
			"bob " + secretB + " 8 1m0s SHA256 now\n" +
			"carol JBSWY3DPEHPK3PXP 6 30s SHA1 2025-04-01T09:00:00Z\n",
	}, {
		name: "CRLF line endings and a byte order mark",
		file: "\uFEFFalice," + secretA + "\r\nbob," + secretB + "\r\n",
		want: "alice " + secretA + " 6 30s SHA1 now\nbob " + secretB + " 6 30s SHA1 now\n",
	}, {
		name: "user names canonicalised without LDAP",
		file: "Alice@example.ac.jp," + secretA + "\n CAMPUS\\Bob ," + secretB + "\n",
		want: "alice " + secretA + " 6 30s SHA1 now\nbob " + secretB + " 6 30s SHA1 now\n",
	}, {
		name: "every bad line with its reason",
		file: "alice," + secretA + "\n" + // 1
			"bob,AB!!\n" + // 2
			"Alice," + secretB + "\n" + // 3
			"carol," + secretA + ",7\n" + // 4
			"dave," + secretA + ",6,0\n" + // 5
			"eve," + secretA + ",6,30,MD5\n" + // 6
			"frank\n" + // 7
			"gina,ABCDEFGH\n" + // 8
			"hans,JBSWY3DPEHPK3PXPA\n" + // 9
			"," + secretA + "\n" + // 10
			"ivan,,x,45.5\n" + // 11
			"judy," + secretA + ",6,30,SHA1,yesterday,extra\n" + // 12
			"kim,pass-kim0000\n", // 13
		want: "alice " + secretA + " 6 30s SHA1 now\n" +
			`line 2: secret "AB!!" is not base32` + "\n" +
			`line 3: user "alice" appears again (first on line 1)` + "\n" +
			`line 4: digits 7: must be 6 or 8` + "\n" +
			`line 5: period "0": must be a whole number of seconds from 1 to 86400` + "\n" +
			`line 6: algorithm "MD5": must be SHA1, SHA256 or SHA512` + "\n" +
			`line 7: 1 field, want 2 to 6 (user,secret,digits,period,algorithm,created)` + "\n" +
			`line 8: secret "ABCDEFGH" is too short: 5 bytes, need at least 10` + "\n" +
			`line 9: secret "JBSW…" is not valid base32 (truncated or mistyped)` + "\n" +
			`line 10: user is empty` + "\n" +
			`line 11: secret is empty; digits "x" is not a number; period "45.5" is not a number of seconds` + "\n" +
			`line 12: 7 fields, want 2 to 6 (user,secret,digits,period,algorithm,created)` + "\n" +
			`line 13: secret "pass…" is not base32` + "\n",
	}, {
		name: "the peer benchmark's layout with --columns",
		file: "# uid,password,totp_secret_base32\nuser0000,pass-user0000," + secretA + "\nuser0001,pass-user0001," + secretB + "\n",
		opts: ImportOptions{Columns: []string{"uid", "password", "secret"}},
		want: "user0000 " + secretA + " 6 30s SHA1 now\nuser0001 " + secretB + " 6 30s SHA1 now\n",
	}, {
		name: "a header row gives the layout",
		file: "uid,password,totp_secret_base32\nuser0000,pass-user0000," + secretA + "\nuser0001,x\n",
		want: "user0000 " + secretA + " 6 30s SHA1 now\n" +
			"line 3: 2 fields, want 3 (uid,password,totp_secret_base32)\n",
	}, {
		name: "a header row is skipped when --columns says the layout",
		file: "USER,SECRET\nalice," + secretA + "\n",
		opts: ImportOptions{Columns: []string{"user", "secret"}},
		want: "alice " + secretA + " 6 30s SHA1 now\n",
	}, {
		name: "quoted CSV fields",
		file: `"alice","` + secretA + `","6"` + "\n" + `"bob,smith",` + secretB + "\n" + `"carol,` + secretA + "\n",
		want: "alice " + secretA + " 6 30s SHA1 now\nbob,smith " + secretB + " 6 30s SHA1 now\n" +
			`line 3: not CSV: extraneous or missing " in quoted-field` + "\n",
	}, {
		name: "otpauth URIs",
		file: "otpauth://totp/Example%20University:alice?secret=" + secretA + "&issuer=Example%20University\n" +
			"otpauth://totp/Bob@example.ac.jp?secret=" + secretB + "&digits=8&period=60&algorithm=SHA512\n" +
			"otpauth://hotp/Old:carol?secret=" + secretA + "&counter=3\n" +
			"otpauth://totp/Old:dave?issuer=Old\n" +
			"otpauth://totp/Old:?secret=" + secretA + "\n" +
			"otpauth://totp/Old:erin?secret=AB!!\n" +
			"erin," + secretA + "\n",
		want: "alice " + secretA + " 6 30s SHA1 now\nbob " + secretB + " 8 1m0s SHA512 now\n" +
			"line 3: an otpauth://hotp/ URI: counter-based codes are not supported\n" +
			"line 4: no secret in the URI\n" +
			"line 5: no account name in the label of the URI\n" +
			`line 6: secret "AB!!" is not base32` + "\n" +
			"line 7: not an otpauth:// URI\n",
	}, {
		name: "--format csv reads a URI as a bad CSV line",
		file: "otpauth://totp/X:alice?secret=" + secretA + "\n",
		opts: ImportOptions{Format: FormatCSV},
		want: "line 1: 1 field, want 2 to 6 (user,secret,digits,period,algorithm,created)\n",
	}, {
		name: "a line too long is bad, the next one is read",
		file: "alice," + strings.Repeat("A", maxLineBytes) + "\nbob," + secretB,
		want: "bob " + secretB + " 6 30s SHA1 now\nline 1: longer than 65536 bytes\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parsed(t, tt.file, tt.opts); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestParseImportRefusesNonsenseOptions(t *testing.T) {
	tests := []struct {
		opts ImportOptions
		file string
		want string
	}{
		{ImportOptions{Format: "xml"}, "", `unknown import format "xml" (want csv or uri)`},
		{ImportOptions{Columns: []string{"user", "secret", "colour"}}, "", `unknown column "colour" (known: ` + knownColumns + ")"},
		{ImportOptions{Columns: []string{"uid", "password"}}, "", `columns "uid,password": need a user (or uid) and a secret (or totp_secret_base32) column`},
		{ImportOptions{Columns: []string{"user", "uid", "secret"}}, "", `column "uid" appears twice`},
		{ImportOptions{}, "user,digits\nalice,6\n", `header row on line 1: columns "user,digits": need a user (or uid) and a secret (or totp_secret_base32) column`},
		{ImportOptions{}, "uid,totp_secret_base32,email\nalice,JBSWY3DPEHPK3PXP,a@example.ac.jp\n", `header row on line 1: unknown column "email" (known: ` + knownColumns + ")"},
	}
	for _, tt := range tests {
		_, _, err := parseImport(strings.NewReader(tt.file), tt.opts, true, importNow)
		if !errors.Is(err, ErrInvalid) || err.Error() != tt.want {
			t.Errorf("%+v: got %v, want %q", tt.opts, err, tt.want)
		}
	}
}

func TestParseImportNeverQuotesALongSecret(t *testing.T) {
	// A secret mistyped by one character must not appear whole in the
	// report.
	bad := secretA[:len(secretA)-1] + "1"
	_, lines, err := parseImport(strings.NewReader("alice,"+bad+"\n"), ImportOptions{}, true, importNow)
	if err != nil || len(lines) != 1 {
		t.Fatalf("got %v %v", lines, err)
	}
	if strings.Contains(lines[0].Reason, bad[:8]) {
		t.Fatalf("the reason quotes the secret: %s", lines[0])
	}
}

func BenchmarkParseImport(b *testing.B) {
	var file strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&file, "user%05d,pass-user%05d,%s\n", i, i, secretA)
	}
	o := ImportOptions{Columns: []string{"uid", "password", "secret"}}
	for b.Loop() {
		if _, _, err := parseImport(strings.NewReader(file.String()), o, true, importNow); err != nil {
			b.Fatal(err)
		}
	}
}
