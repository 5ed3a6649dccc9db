package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
)

// Secrets are sealed with AES-256-GCM under a random 12-byte nonce per
// seal. The additional data binds a sealed secret to the user and the
// enrollment it was stored for, so a record copied to another user or
// enrollment fails to open instead of yielding another user's secret.
// Pending secrets and recovery code lists have their own prefixes, so
// none of the three can be passed off as another.

const (
	keyLen   = 32
	nonceLen = 12

	secretAADPrefix   = "radius2fa/store/secret/v1\x00"
	pendingAADPrefix  = "radius2fa/store/pending/v1\x00"
	recoveryAADPrefix = "radius2fa/store/recovery/v1\x00"
	keyCheckAAD       = "radius2fa/store/key-check/v1"
	keyCheckText      = "radius2fa store key check"
)

// sealer seals and opens secrets under the store's key.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (sealer, error) {
	if len(key) != keyLen {
		return sealer{}, fmt.Errorf("store: encryption key has %d bytes, want %d", len(key), keyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealer{}, fmt.Errorf("store: encryption key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, fmt.Errorf("store: encryption key: %w", err)
	}
	return sealer{aead: aead}, nil
}

// seal returns nonce || ciphertext || tag.
func (s sealer) seal(plaintext, aad []byte) []byte {
	out := make([]byte, nonceLen, nonceLen+len(plaintext)+s.aead.Overhead())
	// crypto/rand.Read never returns an error; it crashes the program
	// if the system's randomness fails.
	_, _ = rand.Read(out)
	return s.aead.Seal(out, out[:nonceLen], plaintext, aad)
}

// open reverses seal; any mismatch of key, data or aad is an error.
func (s sealer) open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < nonceLen+s.aead.Overhead() {
		return nil, fmt.Errorf("sealed value of %d bytes is too short", len(sealed))
	}
	return s.aead.Open(nil, sealed[:nonceLen], sealed[nonceLen:], aad)
}

func secretAAD(user string, id uint64) []byte {
	aad := make([]byte, 0, len(secretAADPrefix)+8+len(user))
	aad = append(aad, secretAADPrefix...)
	aad = binary.BigEndian.AppendUint64(aad, id)
	return append(aad, user...)
}

func (s sealer) sealSecret(user string, id uint64, secret []byte) []byte {
	return s.seal(secret, secretAAD(user, id))
}

func (s sealer) openSecret(user string, id uint64, sealed []byte) ([]byte, error) {
	secret, err := s.open(sealed, secretAAD(user, id))
	if err != nil {
		return nil, fmt.Errorf("%w: secret of user %q does not open (moved from another record, or tampered with)", ErrCorrupt, user)
	}
	return secret, nil
}

// pendingAAD binds a pending secret to its user and its CreatedAt.
func pendingAAD(user string, createdAt time.Time) []byte {
	aad := make([]byte, 0, len(pendingAADPrefix)+8+len(user))
	aad = append(aad, pendingAADPrefix...)
	aad = appendTime(aad, createdAt)
	return append(aad, user...)
}

func (s sealer) sealPending(user string, createdAt time.Time, secret []byte) []byte {
	return s.seal(secret, pendingAAD(user, createdAt))
}

func (s sealer) openPending(user string, createdAt time.Time, sealed []byte) ([]byte, error) {
	secret, err := s.open(sealed, pendingAAD(user, createdAt))
	if err != nil {
		return nil, fmt.Errorf("%w: pending secret of user %q does not open (moved from another record, or tampered with)", ErrCorrupt, user)
	}
	return secret, nil
}

// recoveryAAD binds a recovery code list to its user.
func recoveryAAD(user string) []byte {
	return append([]byte(recoveryAADPrefix), user...)
}

// sealRecovery returns the record storing hashes for user.
func (s sealer) sealRecovery(user string, hashes [][]byte) recoveryRecord {
	return recoveryRecord{Count: uint8(len(hashes)), Sealed: s.seal(encodeHashes(hashes), recoveryAAD(user))}
}

// openRecovery returns the hashes rec holds for user, checking that
// there are as many as the count stored beside them in the clear.
func (s sealer) openRecovery(user string, rec recoveryRecord) ([][]byte, error) {
	plain, err := s.open(rec.Sealed, recoveryAAD(user))
	if err != nil {
		return nil, fmt.Errorf("%w: recovery codes of user %q do not open (moved from another record, or tampered with)", ErrCorrupt, user)
	}
	hashes, err := decodeHashes(plain)
	if err != nil {
		return nil, fmt.Errorf("store: user %q: %w", user, err)
	}
	if len(hashes) != int(rec.Count) {
		return nil, fmt.Errorf("%w: user %q: %d recovery codes stored as %d", ErrCorrupt, user, len(hashes), rec.Count)
	}
	return hashes, nil
}

// keyCheck is stored in a new database so that a later open with another
// key is refused before any secret is read.
func (s sealer) keyCheck() []byte {
	return s.seal([]byte(keyCheckText), []byte(keyCheckAAD))
}

func (s sealer) matchesKeyCheck(check []byte) bool {
	text, err := s.open(check, []byte(keyCheckAAD))
	return err == nil && string(text) == keyCheckText
}
