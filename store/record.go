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
		Period:    time.Duration(binary.BigEndian.Uint64(b[10:])),
		CreatedAt: readTime(b[18:]),
		Algorithm: string(rest[:algLen]),
		Sealed:    append([]byte(nil), rest[algLen:]...),
	}, nil
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
