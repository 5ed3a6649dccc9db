// Command radius2fa is the radius2fa daemon and its admin command line:
//
//	radius2fa serve --config FILE [--debug]
//	radius2fa check-config --config FILE
//	radius2fa user list|show|enroll|reset|unlock|recovery-codes [USER] --config FILE
//	radius2fa user import|export … --config FILE
//	radius2fa backup --out PATH --config FILE
//	radius2fa reload --config FILE
//
// serve runs the RADIUS listeners, the enrollment page, the admin socket and
// the metrics endpoint; the other commands talk to it over the admin socket,
// or open the store themselves when no daemon runs.
//
// The command only wires things together: flags, the logger, signals and
// listeners. The work happens in the packages it imports.
package main
