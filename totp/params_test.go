package totp_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/radius2fa/radius2fa/totp"
)

func TestParamsWithDefaults(t *testing.T) {
	want := totp.Params{Digits: 6, Period: 30 * time.Second, Algorithm: totp.SHA1}
	if got := (totp.Params{}).WithDefaults(); got != want {
		t.Errorf("zero Params.WithDefaults() = %+v, want %+v", got, want)
	}
	set := totp.Params{Digits: 8, Period: time.Minute, Algorithm: totp.SHA512}
	if got := set.WithDefaults(); got != set {
		t.Errorf("WithDefaults changed set fields: %+v, want %+v", got, set)
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []totp.Params{{}, {Digits: 8, Period: time.Minute, Algorithm: totp.SHA256}, {Algorithm: totp.SHA512}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	err := totp.Params{Digits: 7, Period: 1500 * time.Millisecond, Algorithm: "MD5"}.Validate()
	if !errors.Is(err, totp.ErrInvalidParams) {
		t.Fatalf("error %v does not wrap ErrInvalidParams", err)
	}
	for _, part := range []string{"digits 7", "period 1.5s", `algorithm "MD5"`} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not mention %s", err, part)
		}
	}
}
