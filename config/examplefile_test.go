package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const exampleFile = "../testdata/radius2fa.example.yaml"

// The example loads without a problem or a warning once the files it names
// exist: the test moves /etc/ into a temporary directory and writes them.
func TestExampleFileLoads(t *testing.T) {
	isolateEnv(t)
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	cert, key := testCertificate(t)
	files := map[string]string{
		"etc/radius2fa/vpn-gw.secret":  "fake-vpn-gw-secret\n",
		"etc/radius2fa/ldap.secret":    "fake-ldap-password\n",
		"etc/ssl/certs/campus-ca.pem":  cert,
		"etc/radius2fa/tls.crt":        cert,
		"etc/radius2fa/tls.key":        key,
		"etc/radius2fa/radius2fa.yaml": strings.ReplaceAll(string(data), " /etc/", " "+root+"/etc/"),
	}
	for rel, content := range files {
		writeFile(t, filepath.Join(root, rel), content, 0o600)
	}

	c := mustLoad(t, filepath.Join(root, "etc/radius2fa/radius2fa.yaml"))

	if c.Warnings != nil {
		t.Errorf("Warnings = %q, want none", c.Warnings)
	}
	if c.Radius.Clients[0].Secret != "fake-vpn-gw-secret" || c.LDAP.BindPassword != "fake-ldap-password" {
		t.Errorf("secrets not read from the example's secret files")
	}
	want := "config " + root + "/etc/radius2fa/radius2fa.yaml OK: 2 clients, 2 LDAP servers, 4 policy rules, default totp, store /var/lib/radius2fa/radius2fa.db"
	if got := c.Summary(); got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
}

// Every key of Config, including those inside radius.clients and
// policy.rules, appears in the example on a line that has a comment or
// follows one.
func TestExampleFileDocumentsEveryKey(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, name := range allKeyNames(reflect.TypeFor[Config]()) {
		documented := false
		for i, line := range lines {
			text := strings.TrimLeft(strings.TrimSpace(line), "-# ")
			if !strings.HasPrefix(text, name+":") {
				continue
			}
			if strings.Contains(line, "#") || (i > 0 && strings.HasPrefix(strings.TrimSpace(lines[i-1]), "#")) {
				documented = true
				break
			}
		}
		if !documented {
			t.Errorf("key %q is not in the example with a comment", name)
		}
	}
}

// allKeyNames returns the name of every key of t that holds a value,
// inside sections and list elements too.
func allKeyNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft.PkgPath() == t.PkgPath() {
			names = append(names, allKeyNames(ft)...)
		} else {
			names = append(names, name)
		}
	}
	return names
}
