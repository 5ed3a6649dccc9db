package config

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// EnvPrefix starts the name of every environment variable that overrides a
// key: radius.challenge_timeout is RADIUS2FA_RADIUS_CHALLENGE_TIMEOUT.
const EnvPrefix = "RADIUS2FA"

// Load reads the YAML file at path, applies the RADIUS2FA_* environment
// variables over it and the defaults under it, reads the secret files,
// and validates the result.
//
// Any problem makes Load return a nil Config and an *Error listing every
// problem at once: values that do not decode, unknown keys, unreadable
// secret files and everything Validate finds. Relative file paths in the
// configuration are relative to the directory of path.
func Load(path string) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fileError(describeFileError(path, err), err)
	}
	settings, ferr := readYAML(abs)
	if ferr != nil {
		return nil, ferr
	}
	c, problems := decode(newViper(settings))
	c.Path = abs
	applyListDefaults(c)
	resolvePaths(c, filepath.Dir(abs))
	files := readSecretFiles(c)
	covered := append(problemKeys(problems), files.covered...)
	problems = append(problems, files.problems...)
	var invalid *Error
	if errors.As(c.Validate(), &invalid) {
		problems = append(problems, uncovered(invalid.Problems, covered)...)
	}
	if err := newError(problems); err != nil {
		return nil, err
	}
	c.Warnings = renderWarnings(append(files.warnings, c.securityWarnings(holdsSecrets(settings))...))
	return c, nil
}

// newViper builds a fresh viper instance (never the global one) with the
// environment bindings and defaults, and the file's settings as its
// configuration layer.
func newViper(settings map[string]any) *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	// AutomaticEnv does not feed Unmarshal: bind every key by name.
	for _, key := range envKeys() {
		_ = v.BindEnv(key) // fails only without a key
	}
	setDefaults(v)
	_ = v.MergeConfigMap(settings) // fails only for a nil map
	return v
}

// readYAML reads the file with a viper instance of its own and returns its
// settings without the keys set to nothing. A section left empty in the
// file ("enroll:" with every key commented out) would otherwise hide the
// environment variables and defaults of its keys from Unmarshal.
func readYAML(path string) (map[string]any, *Error) {
	file := viper.New()
	file.SetConfigFile(path)
	file.SetConfigType("yaml")
	if err := file.ReadInConfig(); err != nil {
		var parse viper.ConfigParseError
		if errors.As(err, &parse) {
			return nil, fileError("cannot parse "+path+": "+redactQuoted(parse.Unwrap().Error()), err)
		}
		return nil, fileError(describeFileError(path, err), err)
	}
	return file.AllSettings(), nil
}

// redactQuoted hides what a YAML error quotes from the file (pointed at a
// secret file by mistake, check-config must not print the secret) and
// puts the message on one line.
func redactQuoted(msg string) string {
	parts := strings.Split(msg, "`")
	for i := 1; i < len(parts); i += 2 {
		parts[i] = "…"
	}
	return strings.Join(strings.Fields(strings.Join(parts, "`")), " ")
}

// decode unmarshals v strictly: an unknown key or a value of the wrong
// type is a problem. The Config is filled as far as it decoded.
func decode(v *viper.Viper) (*Config, []Problem) {
	wrapRuleScalars(v)
	var c Config
	err := v.UnmarshalExact(&c,
		viper.DecodeHook(decodeHook()),
		func(dc *mapstructure.DecoderConfig) { dc.WeaklyTypedInput = false },
	)
	if err != nil {
		return &c, decodeProblems(err)
	}
	return &c, nil
}

// wrapRuleScalars turns a single string where a rule expects a list into
// a list of that one string: `groups: "cn=staff,ou=groups,dc=example"` is
// one group, not the three pieces listHook would split it into. Rules
// come from the file only, so no environment variable needs splitting.
func wrapRuleScalars(v *viper.Viper) {
	rules, ok := v.Get("policy.rules").([]any)
	if !ok {
		return
	}
	ruleType := reflect.TypeFor[Rule]()
	for _, r := range rules {
		rule, ok := r.(map[string]any)
		if !ok {
			continue
		}
		for name, value := range rule {
			_, t := fieldPosition(ruleType, name)
			if s, ok := value.(string); ok && t != nil && t.Kind() == reflect.Slice {
				rule[name] = []any{s}
			}
		}
	}
}

// problemKeys returns the keys of problems.
func problemKeys(problems []Problem) []string {
	keys := make([]string, len(problems))
	for i, p := range problems {
		keys[i] = p.Key
	}
	return keys
}

// uncovered drops the problems at or under a covered key: a value that did
// not decode is reported once, not again as missing.
func uncovered(problems []Problem, covered []string) []Problem {
	var out []Problem
	for _, p := range problems {
		if !isCovered(p.Key, covered) {
			out = append(out, p)
		}
	}
	return out
}

func isCovered(key string, covered []string) bool {
	for _, c := range covered {
		if key == c || strings.HasPrefix(key, c+".") || strings.HasPrefix(key, c+"[") {
			return true
		}
	}
	return false
}
