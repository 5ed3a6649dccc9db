// Radbench is a RADIUS load generator for admins who want to know how many
// logins per second their radius2fa (or any RADIUS server doing PAP) can
// take, and how long each takes. It floods: it refuses a server that is not
// on a loopback address unless -allow-remote is given.
//
//	radbench -server 127.0.0.1:1812 -secret-file nas.secret -users users.csv -mode append -c 32 -d 10s
//	radbench -server 127.0.0.1:1812 -secret S -users users.csv -mode challenge -rate 500 -d 30s -json
//
// # Users
//
// -users is a CSV file, one user a line: user,password,secret by default,
// the secret in base32 as authenticator apps take it. Lines starting with #
// and blank lines are skipped, as is a header row made of column names.
// -columns maps other layouts, e.g. uid,password,-,secret ("-" skips a
// column). Fields are CSV: a password holding a comma or a double quote is
// written in double quotes, with "" for a quote. User names must be unique
// (case-insensitively). The secret column may be left out in -mode
// password. The same
// file can be imported into radius2fa with
// `radius2fa user import --columns user,password,secret FILE`.
//
// # Modes
//
//   - append: the password followed by the current code in User-Password.
//   - challenge: the password, then, after an Access-Challenge carrying a
//     State, the code with that State. One login is both packets: the login
//     counters and latencies cover the whole login, the packet counters each
//     datagram.
//   - password: the password only.
//
// Codes are RFC 6238 (totp.Code; -digits, -period, HMAC-SHA1) for the time
// step in which the login began. A reject whose code was computed in a
// step other than the one in which the answer arrived is also counted as a
// boundary reject: a server without clock skew tolerance (FreeRADIUS
// rlm_totp) refuses those, and they say nothing about the server's health.
//
// # Load
//
// -c N runs a closed loop: N workers, each with its own connected UDP socket
// and one login in flight. -rate R runs an open loop: logins are due R times
// a second whatever the answers, each begun by one of -max-inflight workers
// (one socket each). When all are busy a due login begins as soon as one is
// free (counted as inflight_full when that is more than 1 ms late), and its
// latency runs from the moment it was due, so a slow server shows in the
// latencies instead of slowing the load. -d sets the measured time (after
// -warmup, which is not measured) or -n the number of measured logins. Each
// packet waits -timeout for its answer and is sent again -retries times (the
// same bytes: a retransmission).
//
// # Which user logs in when (-once-per-window, on by default)
//
// A server with replay protection (RFC 6238 §5.2; radius2fa has it) accepts
// each user's code once per time step, so a user must log in at most once
// per step — within this run and across runs started one after the other.
// Radbench keeps that without any state file: within a step of P seconds
// the user list is laid out along the clock, user i belonging to the
// moment i/N of the step (N users). A run that first needs a user in a step
// at the moment f of it (0 ≤ f < 1) starts at user ⌊f·N⌋ and takes the next
// ones in order, never wrapping around within the step: users before ⌊f·N⌋
// may have been used by an earlier run in this step. When the list is used
// up, workers wait for the next step (counted as waits_for_step), where
// they start again from the user that belongs to that moment. So a short
// list (say the five demo users) gives a run begun late in a step only its
// last users until the next step.
//
// A run that logs in no faster than N/P users a second never gets ahead of
// the clock, so the next run, which starts where the clock is, never meets
// a user the earlier one used in this step. Keep users ≥ 2 × rate × P (e.g.
// 300,000 users for 5,000 logins/s) to leave room for bursts; then no run
// ever waits for a step either. Radbench warns when the list is too short
// for the rate it was given or reached. -once-per-window=false cycles
// through the users regardless, for servers without replay protection.
//
// # What is checked
//
// Every answer must match the Identifier of the packet in flight and carry
// a valid Response Authenticator (and a valid Message-Authenticator when it
// has one); otherwise it counts as bad. An answer to an earlier packet whose
// wait had timed out is counted as late and never taken for the answer to
// another. -msgauth adds a Message-Authenticator (RFC 3579, as the first
// attribute) to every request.
//
// # Output
//
// Two lines: logins begun (sent), how they ended, answered logins (accept,
// reject or challenge) per second of the measured time, and latency
// percentiles of answered logins (a log-linear histogram, 1 µs to 60 s
// within 1%); then the packet counts and radbench's own CPU time per login
// (getrusage, all threads), which is what the tool takes from the cores it
// shares with the server. With -json, one JSON object with all of it
// instead. Logins still in flight when the time is up are waited for and
// counted. The shared secret, passwords and codes are never printed.
package main
