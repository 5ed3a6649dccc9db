package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// valueError is a value that does not fit its key. The hooks return it so
// that the message can name the value found, or hide it for a secret.
type valueError struct {
	value any
	what  string // e.g. "is not a duration (use e.g. 60s, 5m)"
}

func (e *valueError) Error() string { return describe(e.value) + " " + e.what }

// redacted renders the problem without the value.
func (e *valueError) redacted() string { return "the value " + e.what }

// describe renders a value found in the file or the environment.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		return strconv.Quote(v)
	case map[string]any, map[any]any:
		return "a mapping"
	case []any, []string:
		return "a list"
	case time.Duration:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}

// decodeHook is the whole hook chain; it replaces viper's defaults and
// makes decoding strict (WeaklyTypedInput is off): each value either has
// the field's type or is a string from the environment that parses as one.
func decodeHook() mapstructure.DecodeHookFunc {
	return mapstructure.ComposeDecodeHookFunc(
		durationHook,
		prefixHook,
		listHook,
		strictHook,
	)
}

// durationHook decodes "60s", "5m" into time.Duration. A bare number is
// refused: 60 would silently mean 60 nanoseconds.
func durationHook(_, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() {
		return data, nil
	}
	switch v := data.(type) {
	case time.Duration:
		return v, nil
	case string:
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, &valueError{v, "is not a duration (use e.g. 60s, 5m)"}
		}
		return d, nil
	default:
		return nil, &valueError{v, "is not a duration (use e.g. 60s, 5m)"}
	}
}

// prefixHook decodes an IP address or CIDR into netip.Prefix.
func prefixHook(_, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[netip.Prefix]() {
		return data, nil
	}
	switch v := data.(type) {
	case netip.Prefix:
		return v, nil
	case string:
		p, ok := parsePrefix(v)
		if !ok {
			return nil, &valueError{v, "is not an IP or CIDR"}
		}
		return p, nil
	default:
		return nil, &valueError{v, "is not an IP or CIDR"}
	}
}

// parsePrefix parses a CIDR, or a bare IP as its host prefix (/32, /128).
// An IPv4-mapped IPv6 prefix becomes the IPv4 prefix, since dual-stack
// sockets report IPv4 peers unmapped by the daemon. Host bits are cleared.
func parsePrefix(s string) (netip.Prefix, bool) {
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return netip.Prefix{}, false
		}
	} else {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// listHook splits a string where a list is expected, at commas and
// spaces: RADIUS2FA_LDAP_URLS="ldaps://a ldaps://b" or a YAML scalar.
// (Rule lists never get here; see wrapRuleScalars.)
func listHook(from, to reflect.Type, data any) (any, error) {
	if from.Kind() != reflect.String || to.Kind() != reflect.Slice {
		return data, nil
	}
	return strings.FieldsFunc(data.(string), func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n'
	}), nil
}

// strictHook checks that a value has the field's kind, converting only
// strings (which is all the environment can give) to bool and int.
func strictHook(from, to reflect.Type, data any) (any, error) {
	if from == to {
		return data, nil
	}
	switch to.Kind() {
	case reflect.String:
		if from.Kind() != reflect.String {
			return nil, &valueError{data, "is not a string (quote it)"}
		}
	case reflect.Bool:
		return toBool(data)
	case reflect.Int:
		return toInt(data)
	case reflect.Slice:
		if from.Kind() != reflect.Slice && from.Kind() != reflect.Array {
			return nil, &valueError{data, "is not a list"}
		}
	case reflect.Struct:
		if from.Kind() != reflect.Map {
			return nil, &valueError{data, "is not a mapping of keys"}
		}
	}
	return data, nil
}

func toBool(data any) (any, error) {
	switch v := data.(type) {
	case bool:
		return v, nil
	case string:
		if b, err := strconv.ParseBool(v); err == nil {
			return b, nil
		}
	}
	return nil, &valueError{data, "is not true or false"}
}

func toInt(data any) (any, error) {
	switch v := data.(type) {
	case int, int8, int16, int32, int64, uint8, uint16, uint32:
		return v, nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int(v), nil
		}
	case string:
		if i, err := strconv.Atoi(v); err == nil {
			return i, nil
		}
	}
	return nil, &valueError{data, "is not a whole number"}
}

// decodeProblems turns the errors of mapstructure (a tree of errors.Join
// with a *mapstructure.DecodeError per key) into problems.
func decodeProblems(err error) []Problem {
	var out []Problem
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case *mapstructure.DecodeError:
			out = append(out, decodeErrorProblems(e)...)
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				walk(inner)
			}
		default:
			if inner := errors.Unwrap(err); inner != nil {
				walk(inner) // "decoding failed due to the following error(s)"
			} else {
				out = append(out, Problem{Message: err.Error()})
			}
		}
	}
	walk(err)
	return out
}

// decodeErrorProblems renders one DecodeError: a value that does not fit,
// or the unknown keys of one mapping.
func decodeErrorProblems(de *mapstructure.DecodeError) []Problem {
	key, cause := de.Name(), de.Unwrap()
	var ve *valueError
	if errors.As(cause, &ve) {
		if isSecretKey(key) {
			return []Problem{{Key: key, Message: ve.redacted()}}
		}
		return []Problem{{Key: key, Message: ve.Error()}}
	}
	if names, ok := strings.CutPrefix(cause.Error(), "has invalid keys: "); ok {
		var out []Problem
		for name := range strings.SplitSeq(names, ", ") {
			out = append(out, Problem{Key: joinKey(key, name), Message: "unknown key"})
		}
		return out
	}
	return []Problem{{Key: key, Message: cause.Error()}}
}

// isSecretKey reports whether the value of key must never be shown.
func isSecretKey(key string) bool {
	return strings.HasSuffix(key, ".secret") || key == "ldap.bind_password"
}
