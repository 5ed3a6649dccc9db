package enroll

import (
	"reflect"
	"testing"
)

func TestAcceptLanguage(t *testing.T) {
	tests := []struct {
		header, def, want string
	}{
		{"", "en", "en"},
		{"", "ja", "ja"},
		{"ja", "en", "ja"},
		{"ja-JP", "en", "ja"},
		{"JA-jp", "en", "ja"},
		{"en-US,en;q=0.9", "ja", "en"},
		{"ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7", "en", "ja"},
		{"en;q=0.5, ja;q=0.8", "en", "ja"},
		{"ja;q=0.3, en-GB;q=0.8", "ja", "en"},
		{"ja;q=0.5, en;q=0.5", "en", "ja"}, // a tie: the first wins
		{"fr, de;q=0.9", "ja", "ja"},
		{"fr, en;q=0.1", "ja", "en"},
		{"*", "ja", "ja"},
		{"fr, *;q=0.5", "en", "en"},
		{"ja;q=0, en;q=0.1", "ja", "en"}, // q=0: not Japanese
		{"ja;q=0", "en", "en"},
		{"ja;q=bogus, en;q=0.2", "ja", "en"}, // an unreadable range is skipped
		{"ja;q=2", "en", "en"},
		{" , ;q=1, ja ; q=0.9 ", "en", "ja"},
	}
	for _, tt := range tests {
		if got := acceptLanguage(tt.header, tt.def); got != tt.want {
			t.Errorf("acceptLanguage(%q, %q) = %q, want %q", tt.header, tt.def, got, tt.want)
		}
	}
}

func TestCatalogsComplete(t *testing.T) {
	for _, lang := range []string{langEN, langJA} {
		for name, v := range textFields(catalog(lang)) {
			if v == "" {
				t.Errorf("%s: %s is empty", lang, name)
			}
		}
	}
}

// textFields lists the string fields of t by name.
func textFields(t *text) map[string]string {
	v := reflect.ValueOf(*t)
	m := map[string]string{}
	for i := 0; i < v.NumField(); i++ {
		m[v.Type().Field(i).Name] = v.Field(i).String()
	}
	return m
}
