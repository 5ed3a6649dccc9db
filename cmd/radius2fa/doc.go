// Command radius2fa is the radius2fa daemon and its admin command line:
//
//	radius2fa serve --config FILE
//	radius2fa check-config --config FILE
//	radius2fa user enroll USER --config FILE
//
// The command only wires things together: flags, the logger, signals and
// listeners. The work happens in the packages it imports.
package main
