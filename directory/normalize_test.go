package directory_test

import (
	"testing"

	"github.com/radius2fa/radius2fa/directory"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in         string
		stripRealm bool
		normalized string
		canonical  string
	}{
		{"alice", true, "alice", "alice"},
		{"  Alice\t", true, "Alice", "alice"},
		{"alice@example.ac.jp", true, "alice", "alice"},
		{"alice@example.ac.jp", false, "alice@example.ac.jp", "alice@example.ac.jp"},
		{"a@b@example.ac.jp", true, "a@b", "a@b"}, // the realm starts at the last @
		{`CAMPUS\Alice`, true, "Alice", "alice"},
		{`CAMPUS\Alice`, false, `CAMPUS\Alice`, `campus\alice`},
		{`CAMPUS\alice@example.ac.jp`, true, "alice", "alice"},
		{" ALICE @example.ac.jp ", true, "ALICE", "alice"},
		{"@example.ac.jp", true, "", ""},
		{"   ", true, "", ""},
		{"", false, "", ""},
		{"*)(uid=*", true, "*)(uid=*", "*)(uid=*"},
		{"Jürgen", true, "Jürgen", "jürgen"},
	}
	for _, tt := range tests {
		if got := directory.Normalize(tt.in, tt.stripRealm); got != tt.normalized {
			t.Errorf("Normalize(%q, %v) = %q, want %q", tt.in, tt.stripRealm, got, tt.normalized)
		}
		if got := directory.Canonical(tt.in, tt.stripRealm); got != tt.canonical {
			t.Errorf("Canonical(%q, %v) = %q, want %q", tt.in, tt.stripRealm, got, tt.canonical)
		}
	}
}
