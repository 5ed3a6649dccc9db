package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
)

// The key file holds the 32-byte AES-256 key as 64 hex characters and an
// optional trailing newline. Error messages name the file but never
// quote its content.

// readKeyFile returns the key stored at path. A missing file is an error
// matching fs.ErrNotExist.
func readKeyFile(path string, log *slog.Logger) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("store: encryption key %s: %w", path, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store: encryption key %s: %w", path, err)
	}
	if !info.Mode().IsRegular() || info.Size() > 2*keyLen+2 {
		return nil, malformedKey(path, fmt.Sprintf("a %s of %d bytes", fileKind(info), info.Size()))
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		log.Warn("store encryption key file is accessible to other users", "path", path, "mode", perm.String())
	}
	text := make([]byte, info.Size())
	if _, err := f.ReadAt(text, 0); err != nil {
		return nil, fmt.Errorf("store: encryption key %s: %w", path, err)
	}
	return parseKey(path, text)
}

func parseKey(path string, text []byte) ([]byte, error) {
	text = bytes.TrimSuffix(text, []byte("\n"))
	text = bytes.TrimSuffix(text, []byte("\r"))
	if len(text) != 2*keyLen {
		return nil, malformedKey(path, fmt.Sprintf("%d characters", len(text)))
	}
	key := make([]byte, keyLen)
	if _, err := hex.Decode(key, text); err != nil {
		return nil, malformedKey(path, "characters that are not hexadecimal digits")
	}
	return key, nil
}

func malformedKey(path, found string) error {
	return fmt.Errorf("store: encryption key %s is malformed: want %d hexadecimal characters (a %d-byte AES-256 key) and an optional newline, found %s",
		path, 2*keyLen, keyLen, found)
}

func fileKind(info fs.FileInfo) string {
	if info.Mode().IsRegular() {
		return "file"
	}
	return "non-regular file (" + info.Mode().Type().String() + ")"
}

// createKeyFile generates a new random key and writes it to path, which
// must not exist yet, with mode 0600 in a directory created with mode
// 0700 when missing. If another process created the file first, its key
// is read instead.
func createKeyFile(path string, log *slog.Logger) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: encryption key %s: %w", path, err)
	}
	key := make([]byte, keyLen)
	_, _ = rand.Read(key) // never fails; see crypto/rand.Read
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path, log)
	}
	if err != nil {
		return nil, fmt.Errorf("store: encryption key %s: %w", path, err)
	}
	text := hex.AppendEncode(nil, key)
	text = append(text, '\n')
	_, err = f.Write(text)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("store: writing encryption key %s: %w", path, err)
	}
	log.Info("created store encryption key", "path", path)
	return key, nil
}
