package enroll_test

import (
	"testing"

	"github.com/radius2fa/radius2fa/directory/directorytest"
)

// TestSite runs the handler tests against one throwaway slapd: each
// subtest starts its own site and store, and only reads the directory.
func TestSite(t *testing.T) {
	ldap := directorytest.Start(t)
	for _, tc := range []struct {
		name string
		run  func(*testing.T, *directorytest.Server)
	}{
		{"CampusOnly", testCampusOnly},
		{"Login", testLogin},
		{"StatusPage", testStatusPage},
		{"Register", testRegister},
		{"RecoveryCodes", testRecoveryCodes},
		{"Unregister", testUnregister},
		{"Japanese", testJapanese},
		{"SecurityHeaders", testSecurityHeaders},
		{"AuditLog", testAuditLog},
		{"Serve", testServe},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, ldap) })
	}
}
