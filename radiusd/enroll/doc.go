// Package enroll is the self-service enrollment web page: on the campus
// network, users log in with their LDAP password, register their
// authenticator app (a pending secret shown as a QR code and a key, made
// active by the first code typed back), get recovery codes, and
// unregister with a current code.
//
// Only peers in enroll.allowed_cidrs reach any handler; X-Forwarded-For
// counts only when the peer is in enroll.trusted_proxies, walking the
// header from the right past trusted proxies. Sessions live in memory,
// every POST carries a CSRF token, failed logins are rate-limited per user
// and per address, and every response forbids caching, framing and
// sniffing. Pages are plain HTML (no JavaScript) in English and Japanese.
//
// Every action writes one audit line (msg=enroll action=… outcome=… user=…
// src=…); passwords, codes, secrets and recovery codes are never logged.
package enroll
