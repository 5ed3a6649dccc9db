// Package totp generates and verifies time-based one-time passwords
// (RFC 6238) and the artefacts users need to register an app: the secret,
// the otpauth:// URI and its QR code, plus one-time recovery codes.
//
// Verification is pure: it takes the time as an argument and returns the
// matched time step, so the caller can enforce that each step is used once
// (RFC 6238 §5.2). The package stores nothing: secrets, last used steps,
// recovery code hashes and failure counters belong to the store, lockout
// and policy to radiusd.
//
// Everything fails closed. Codes are compared in constant time; a secret
// shorter than 80 bits, unsupported parameters (see Params.Validate) or a
// code that is not exactly Digits ASCII digits never verify, and URI
// returns "" rather than a URI an app would misread. No function logs, and
// no error message contains a secret or a code.
package totp
