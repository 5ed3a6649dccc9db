// Package radiusd is the RADIUS daemon: UDP listeners, the NAS client table,
// Message-Authenticator checks, the duplicate-response cache, and the
// authentication flow that joins the directory, the policy and the second
// factor.
//
// The server owns its read loop: a fixed pool of workers handles datagrams,
// each request has a deadline, a panic in one request is recovered, and a
// retransmitted request is answered from the cache without being verified
// again.
package radiusd
