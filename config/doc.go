// Package config loads and validates the radius2fa configuration.
//
// Load reads one YAML file with a fresh viper instance (never the global
// one), applies RADIUS2FA_* environment overrides and defaults, decodes it
// strictly (an unknown key or a value of the wrong type is an error), reads
// secrets from *_file keys, and validates the result. Every problem is
// reported at once, each with its key path and the value found (never the
// value of a secret), so an admin fixes a file in one pass.
//
// Every key outside the lists radius.clients and policy.rules has an
// environment variable: RADIUS2FA_ followed by the key path upper-cased
// with "." as "_" (RADIUS2FA_LDAP_BIND_DN). A list in the environment is
// separated by commas or spaces. Relative file paths are relative to the
// directory of the configuration file. What works but exposes a secret
// (a secret file others can read, ldap:// to another host) is returned in
// Config.Warnings for the caller to log.
//
// The package owns the shape of the configuration and its rules; it does not
// act on it. Nothing here is mutable after Load returns: a reload builds a
// new Config and the daemon swaps it in.
package config
