package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radius2fa/radius2fa/totp"
)

const (
	secretA = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	secretB = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
)

func mustLayout(t *testing.T, spec string) layout {
	t.Helper()
	l, err := parseColumns(spec)
	if err != nil {
		t.Fatalf("parseColumns(%q): %v", spec, err)
	}
	return l
}

func readString(t *testing.T, spec, text string, needSecret bool) ([]user, error) {
	t.Helper()
	return readUsers(strings.NewReader(text), mustLayout(t, spec), needSecret, maxPasswordLen-6, 4)
}

// names lists "name/password" of each user, and whether its secret is set.
func names(us []user) string {
	var b []string
	for _, u := range us {
		s := u.name + "/" + u.password
		if u.secret != nil {
			s += "/" + totp.EncodeSecret(u.secret)
		}
		b = append(b, s)
	}
	return strings.Join(b, " ")
}

func TestUsersLayouts(t *testing.T) {
	tests := []struct {
		name, spec, text string
		needSecret       bool
		want             string
	}{
		{"default layout, comments, blank lines, CRLF and a BOM", "user,password,secret",
			"\ufeff# a comment\r\nalice,alice-pass," + secretA + "\r\n\r\nbob,bob-pass," + secretB + "\r\n",
			true, "alice/alice-pass/" + secretA + " bob/bob-pass/" + secretB},
		{"the peer benchmark's file", "uid,password,secret",
			"# uid,password,totp_secret_base32\nuser000000,pass-user000000," + secretA + "\n",
			true, "user000000/pass-user000000/" + secretA},
		{"a header row of column names is skipped", "uid,password,secret",
			"uid,password,totp_secret_base32\nalice,alice-pass," + secretA + "\n",
			true, "alice/alice-pass/" + secretA},
		{"a skipped column", "user,password,-,secret",
			"alice,alice-pass,ignored," + secretA + "\n",
			true, "alice/alice-pass/" + secretA},
		{"quoted password with a comma, spaces kept in passwords", "user,password,secret",
			"frank,\"p@ss, wörd 1\"," + strings.ToLower(secretB) + "\ncarol, lead space ," + secretA + "\n",
			true, "frank/p@ss, wörd 1/" + secretB + " carol/ lead space /" + secretA},
		{"password mode reads no secret", "user,password,secret",
			"alice,alice-pass,not-base32!\n",
			false, "alice/alice-pass"},
		{"password mode without a secret column", "user,password",
			"alice,alice-pass\n",
			false, "alice/alice-pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us, err := readString(t, tt.spec, tt.text, tt.needSecret)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(us); got != tt.want {
				t.Fatalf("users:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestUsersBadLines(t *testing.T) {
	text := strings.Join([]string{
		"# user,password,secret",
		"alice,alice-pass," + secretA,
		"bob,hunter2-bob,AB!!",                             // line 3: not base32
		"carol,carol-pass",                                 // line 4: too few fields
		"Alice,other-pass," + secretB,                      // line 5: alice again
		",nobody-pass," + secretA,                          // line 6: no name
		"dave," + strings.Repeat("x", 123) + "," + secretA, // line 7: too long with the code
	}, "\n")
	_, err := readString(t, "user,password,secret", text, true)
	if !errors.Is(err, errUsers) {
		t.Fatalf("err = %v, want errUsers", err)
	}
	for _, want := range []string{
		"line 3: secret: invalid totp secret",
		"line 4: 2 fields, the layout needs 3",
		`line 5: user "Alice" appears again (first on line 2)`,
		"line 6: empty user name",
		"line 7: password longer than 122 bytes",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	for _, secret := range []string{"hunter2", "AB!!", "other-pass", secretB} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows a password or secret %q:\n%v", secret, err)
		}
	}
}

func TestUsersManyBadLinesAreSummarised(t *testing.T) {
	var b strings.Builder
	for range 25 {
		b.WriteString("x,y,AB!!\n")
	}
	_, err := readString(t, "user,password,secret", b.String(), true)
	if err == nil || strings.Count(err.Error(), "line ") != maxReported || !strings.Contains(err.Error(), "and 15 more bad lines") {
		t.Fatalf("error:\n%v", err)
	}
}

func TestColumnsErrors(t *testing.T) {
	for spec, want := range map[string]string{
		"user,colour,secret":    `unknown column "colour"`,
		"user,secret":           "needs a user and a password column",
		"user,password,uid":     `"uid" appears twice`,
		"password,secret,-":     "needs a user and a password column",
		"user , Password ,-, X": `unknown column " X"`,
	} {
		_, err := parseColumns(spec)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("parseColumns(%q) = %v, want %q", spec, err, want)
		}
	}
	_, err := readString(t, "user,password", "alice,alice-pass\n", true)
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "no secret column") {
		t.Errorf("append mode without a secret column: %v", err)
	}
	_, err = readString(t, "user,password,secret", "# only a comment\n", true)
	if !errors.Is(err, errUsers) || !strings.Contains(err.Error(), "no users") {
		t.Errorf("empty file: %v", err)
	}
}

func TestLoadUsersNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte("alice,alice-pass,AB!!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadUsers(path, mustLayout(t, "user,password,secret"), true, 122)
	if err == nil || !strings.HasPrefix(err.Error(), path+": users file: line 1: secret:") {
		t.Fatalf("err = %v", err)
	}
	if _, err := loadUsers(path+".missing", mustLayout(t, "user,password,secret"), true, 122); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}
