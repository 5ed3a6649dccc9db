package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxSecretFileSize bounds what a *_file key may hold: a secret, not a
// disk image (a path mistyped as /dev/zero must not hang the loader).
const maxSecretFileSize = 4096

// resolvePaths makes every file path of c absolute, relative paths being
// relative to dir, the directory of the configuration file.
func resolvePaths(c *Config, dir string) {
	paths := []*string{
		&c.LDAP.CAFile, &c.LDAP.BindPasswordFile,
		&c.Enroll.TLSCertFile, &c.Enroll.TLSKeyFile,
		&c.Store.Path, &c.Store.EncryptionKeyFile,
		&c.Admin.Socket,
	}
	for i := range c.Radius.Clients {
		paths = append(paths, &c.Radius.Clients[i].SecretFile)
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// fileResult collects what reading the secret files found.
type fileResult struct {
	problems []Problem
	warnings []Problem
	// covered are keys whose "missing" problem from Validate would only
	// repeat a problem already reported for the matching *_file key.
	covered []string
}

// readSecretFiles reads radius.clients[i].secret_file and
// ldap.bind_password_file into the matching secret.
func readSecretFiles(c *Config) fileResult {
	var r fileResult
	for i := range c.Radius.Clients {
		cl := &c.Radius.Clients[i]
		key := fmt.Sprintf("radius.clients[%d]", i)
		r.readSecret(&cl.Secret, cl.SecretFile, key+".secret", key+".secret_file")
	}
	r.readSecret(&c.LDAP.BindPassword, c.LDAP.BindPasswordFile, "ldap.bind_password", "ldap.bind_password_file")
	return r
}

// readSecret sets *secret to the content of path (trailing newlines
// trimmed) when path is set.
func (r *fileResult) readSecret(secret *string, path, secretKey, fileKey string) {
	if path == "" {
		return
	}
	if *secret != "" {
		inline := secretKey[strings.LastIndex(secretKey, ".")+1:]
		r.problems = append(r.problems, Problem{Key: fileKey, Message: "set together with " + inline + " (use only one)"})
		return
	}
	content, warning, err := readSecretFile(path)
	if warning != "" {
		r.warnings = append(r.warnings, Problem{Key: fileKey, Message: warning})
	}
	if err != nil {
		r.problems = append(r.problems, Problem{Key: fileKey, Message: err.Error()})
		r.covered = append(r.covered, secretKey)
		return
	}
	*secret = content
}

// readSecretFile returns the secret in path, and a warning when other
// users may read it. Its errors name the path but never the content.
func readSecretFile(path string) (secret, warning string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", errors.New(describeFileError(path, err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return "", "", errors.New(describeFileError(path, err))
	}
	if info.Mode().Perm()&0o077 != 0 {
		warning = path + " is readable by group/other (chmod 600)"
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSecretFileSize+1))
	switch {
	case err != nil:
		return "", warning, errors.New(describeFileError(path, err))
	case len(data) > maxSecretFileSize:
		return "", warning, fmt.Errorf("%s is larger than %d bytes (not a secret file?)", path, maxSecretFileSize)
	}
	secret = strings.TrimRight(string(data), "\r\n")
	if secret == "" {
		return "", warning, fmt.Errorf("%s is empty", path)
	}
	return secret, warning, nil
}

// describeFileError renders "cannot read PATH: REASON" without repeating
// the path that os errors already carry.
func describeFileError(path string, err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "cannot read " + path + ": " + err.Error()
}
