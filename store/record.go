package store

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Records are compact big-endian binary, each starting with a format
// version byte. Decoders check every length and return ErrCorrupt rather
// than panic or guess.

const recordVersion = 1

// stepRecord is the hot record AcceptStep rewrites: which enrollment the
// replay state belongs to, the last accepted step and when.
type stepRecord struct {
	EnrollmentID uint64
	LastStep     uint64
	LastUsed     time.Time
}

const stepRecordLen = 1 + 8 + 8 + 8

func (r stepRecord) encode() []byte {
	buf := make([]byte, 0, stepRecordLen)
	buf = append(buf, recordVersion)
	buf = binary.BigEndian.AppendUint64(buf, r.EnrollmentID)
	buf = binary.BigEndian.AppendUint64(buf, r.LastStep)
	return appendTime(buf, r.LastUsed)
}

func decodeStepRecord(b []byte) (stepRecord, error) {
	if len(b) != stepRecordLen || b[0] != recordVersion {
		return stepRecord{}, fmt.Errorf("%w: step record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	return stepRecord{
		EnrollmentID: binary.BigEndian.Uint64(b[1:]),
		LastStep:     binary.BigEndian.Uint64(b[9:]),
		LastUsed:     readTime(b[17:]),
	}, nil
}

// failureRecord holds the wrong-code count and the lockout.
type failureRecord struct {
	Failures    uint32
	LockedUntil time.Time
}

const failureRecordLen = 1 + 4 + 8

func (r failureRecord) encode() []byte {
	buf := make([]byte, 0, failureRecordLen)
	buf = append(buf, recordVersion)
	buf = binary.BigEndian.AppendUint32(buf, r.Failures)
	return appendTime(buf, r.LockedUntil)
}

func decodeFailureRecord(b []byte) (failureRecord, error) {
	if len(b) != failureRecordLen || b[0] != recordVersion {
		return failureRecord{}, fmt.Errorf("%w: failure record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	return failureRecord{
		Failures:    binary.BigEndian.Uint32(b[1:]),
		LockedUntil: readTime(b[5:]),
	}, nil
}

// enrollmentRecord is an Enrollment as stored: the secret sealed, the user
// implied by the key.
type enrollmentRecord struct {
	ID        uint64
	Digits    uint8
	Period    time.Duration
	CreatedAt time.Time
	Algorithm string
	Sealed    []byte // nonce followed by the AES-GCM ciphertext and tag
}

// enrollmentFixedLen covers version, ID, digits, period, created and the
// algorithm's length byte.
const enrollmentFixedLen = 1 + 8 + 1 + 8 + 8 + 1

func (r enrollmentRecord) encode() []byte {
	buf := make([]byte, 0, enrollmentFixedLen+len(r.Algorithm)+len(r.Sealed))
	buf = append(buf, recordVersion)
	buf = binary.BigEndian.AppendUint64(buf, r.ID)
	buf = append(buf, r.Digits)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Period))
	buf = appendTime(buf, r.CreatedAt)
	buf = append(buf, byte(len(r.Algorithm)))
	buf = append(buf, r.Algorithm...)
	return append(buf, r.Sealed...)
}

// enrollmentPeriod reads the period of an encoded enrollment record at
// least enrollmentFixedLen long.
func enrollmentPeriod(b []byte) time.Duration {
	return time.Duration(binary.BigEndian.Uint64(b[10:]))
}

func decodeEnrollmentRecord(b []byte) (enrollmentRecord, error) {
	if len(b) < enrollmentFixedLen || b[0] != recordVersion {
		return enrollmentRecord{}, fmt.Errorf("%w: enrollment record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	algLen := int(b[enrollmentFixedLen-1])
	rest := b[enrollmentFixedLen:]
	if len(rest) < algLen {
		return enrollmentRecord{}, fmt.Errorf("%w: enrollment record truncated in algorithm", ErrCorrupt)
	}
	return enrollmentRecord{
		ID:        binary.BigEndian.Uint64(b[1:]),
		Digits:    b[9],
		Period:    enrollmentPeriod(b),
		CreatedAt: readTime(b[18:]),
		Algorithm: string(rest[:algLen]),
		Sealed:    append([]byte(nil), rest[algLen:]...),
	}, nil
}

// recoveryRecord holds a user's recovery code hashes, sealed as one list
// (see encodeHashes); Count is in the clear so that Get need not open it,
// and is checked against the list when it is opened.
type recoveryRecord struct {
	Count  uint8
	Sealed []byte
}

const recoveryFixedLen = 1 + 1

func (r recoveryRecord) encode() []byte {
	buf := make([]byte, 0, recoveryFixedLen+len(r.Sealed))
	buf = append(buf, recordVersion, r.Count)
	return append(buf, r.Sealed...)
}

func decodeRecoveryRecord(b []byte) (recoveryRecord, error) {
	if len(b) < recoveryFixedLen || b[0] != recordVersion {
		return recoveryRecord{}, fmt.Errorf("%w: recovery record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	return recoveryRecord{Count: b[1], Sealed: append([]byte(nil), b[recoveryFixedLen:]...)}, nil
}

// encodeHashes is the plaintext of a recoveryRecord: each hash as a
// big-endian uint16 length and its bytes.
func encodeHashes(hashes [][]byte) []byte {
	n := 0
	for _, h := range hashes {
		n += 2 + len(h)
	}
	buf := make([]byte, 0, n)
	for _, h := range hashes {
		buf = binary.BigEndian.AppendUint16(buf, uint16(len(h)))
		buf = append(buf, h...)
	}
	return buf
}

// decodeHashes reverses encodeHashes, checking each length against the
// limits SetRecoveryCodes enforces.
func decodeHashes(b []byte) ([][]byte, error) {
	var hashes [][]byte
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, fmt.Errorf("%w: recovery codes truncated in a length", ErrCorrupt)
		}
		n := int(binary.BigEndian.Uint16(b))
		b = b[2:]
		if n == 0 || n > MaxRecoveryHashLen || n > len(b) || len(hashes) == MaxRecoveryCodes {
			return nil, fmt.Errorf("%w: recovery code %d of %d bytes (%d left)", ErrCorrupt, len(hashes), n, len(b))
		}
		hashes = append(hashes, b[:n:n])
		b = b[n:]
	}
	return hashes, nil
}

// pendingRecord is a Pending as stored: the secret sealed, the user
// implied by the key.
type pendingRecord struct {
	Digits    uint8
	Period    time.Duration
	CreatedAt time.Time
	ExpiresAt time.Time
	Algorithm string
	Sealed    []byte
}

// pendingFixedLen covers version, digits, period, created, expires and
// the algorithm's length byte.
const pendingFixedLen = 1 + 1 + 8 + 8 + 8 + 1

func (r pendingRecord) encode() []byte {
	buf := make([]byte, 0, pendingFixedLen+len(r.Algorithm)+len(r.Sealed))
	buf = append(buf, recordVersion, r.Digits)
	buf = binary.BigEndian.AppendUint64(buf, uint64(r.Period))
	buf = appendTime(buf, r.CreatedAt)
	buf = appendTime(buf, r.ExpiresAt)
	buf = append(buf, byte(len(r.Algorithm)))
	buf = append(buf, r.Algorithm...)
	return append(buf, r.Sealed...)
}

func decodePendingRecord(b []byte) (pendingRecord, error) {
	if len(b) < pendingFixedLen || b[0] != recordVersion {
		return pendingRecord{}, fmt.Errorf("%w: pending record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	algLen := int(b[pendingFixedLen-1])
	rest := b[pendingFixedLen:]
	if len(rest) < algLen {
		return pendingRecord{}, fmt.Errorf("%w: pending record truncated in algorithm", ErrCorrupt)
	}
	return pendingRecord{
		Digits:    b[1],
		Period:    time.Duration(binary.BigEndian.Uint64(b[2:])),
		CreatedAt: readTime(b[10:]),
		ExpiresAt: readTime(b[18:]),
		Algorithm: string(rest[:algLen]),
		Sealed:    append([]byte(nil), rest[algLen:]...),
	}, nil
}

// countsRecord is kept in the meta bucket so that Count need not walk
// the users: how many users List would show, and how many are enrolled.
type countsRecord struct {
	Users    uint64
	Enrolled uint64
}

const countsRecordLen = 1 + 8 + 8

func (r countsRecord) encode() []byte {
	buf := make([]byte, 0, countsRecordLen)
	buf = append(buf, recordVersion)
	buf = binary.BigEndian.AppendUint64(buf, r.Users)
	return binary.BigEndian.AppendUint64(buf, r.Enrolled)
}

func decodeCountsRecord(b []byte) (countsRecord, error) {
	if len(b) != countsRecordLen || b[0] != recordVersion {
		return countsRecord{}, fmt.Errorf("%w: counts record of %d bytes, version %d", ErrCorrupt, len(b), firstByte(b))
	}
	return countsRecord{Users: binary.BigEndian.Uint64(b[1:]), Enrolled: binary.BigEndian.Uint64(b[9:])}, nil
}

// appendTime stores t as Unix nanoseconds; 0 stands for the zero time.
func appendTime(buf []byte, t time.Time) []byte {
	var n int64
	if !t.IsZero() {
		n = t.UnixNano()
	}
	return binary.BigEndian.AppendUint64(buf, uint64(n))
}

func readTime(b []byte) time.Time {
	n := int64(binary.BigEndian.Uint64(b))
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}
