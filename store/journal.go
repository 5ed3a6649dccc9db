package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// The replay-step journal. A successful login's AcceptStep is made
// durable by appending a small record to a preallocated file and one
// fdatasync, instead of a bbolt commit (two fsyncs and page writes); the
// records are folded into the database later, in bulk (checkpoint.go).
//
// The file, <database>-journal, is written full of zeros when it is
// created, so that overwriting it later changes no file metadata and
// fdatasync flushes data only. Each record is
//
//	[u32 payload length][u32 CRC-32C of epoch‖payload][u64 epoch][payload]
//
// big-endian, and the payload is a login,
//
//	[u8 version 1][u16 user length][user][u64 enrollment id][u64 step][u64 time, Unix ns]
//
// or a lease (lease.go),
//
//	[u8 kind 2][u64 bound, Unix ns]
//
// The epoch names one stretch of journal between two checkpoints; the
// database's meta bucket holds the current one. Each epoch writes from
// offset 0, so a reader takes records from the start while they are
// whole, their CRC matches and their epoch is the database's: what
// follows (a torn write, or records of an epoch already folded) is
// ignored.

const (
	// journalSuffix is appended to the database's path.
	journalSuffix = "-journal"
	// defaultJournalSize is the journal's capacity: about 16,000 logins
	// of 20-byte user ids between two checkpoints. A full journal is
	// folded at once, so it also bounds the overlay and a fold's work.
	defaultJournalSize = 1 << 20
	// journalHeaderLen covers length, CRC and epoch.
	journalHeaderLen = 4 + 4 + 8
	// journalFixedLen is a payload without its user id.
	journalFixedLen = 1 + 2 + 8 + 8 + 8
	// journalVersion is the payload format of a login.
	journalVersion = 1
	// journalLeaseKind marks a lease's payload.
	journalLeaseKind = 2
	// journalLeaseLen is a lease's payload.
	journalLeaseLen = 1 + 8
)

// journalRecordLen is the size of the record of one login of user.
func journalRecordLen(user string) int {
	return journalHeaderLen + journalFixedLen + len(user)
}

// acceptedStep is what one successful AcceptStep records: the enrollment
// it was for, the step, and when (Unix nanoseconds, 0 for the zero time).
type acceptedStep struct {
	enrollmentID uint64
	step         uint64
	used         int64
}

// usedTime returns a.used as LastUsed is reported.
func (a acceptedStep) usedTime() time.Time {
	if a.used == 0 {
		return time.Time{}
	}
	return time.Unix(0, a.used)
}

// unixNanos stores t as the journal and the records do: 0 is the zero
// time.
func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// journal is the open journal file and where the next record goes. It
// belongs to the committer goroutine (to Open before the committer
// starts and to Close after it stops).
type journal struct {
	f    *os.File
	path string
	size int64 // capacity: records end at or before it
	off  int64 // where the current epoch's next record goes
	// leased is the bound of the last lease made durable in the current
	// epoch (lease.go), 0 for none.
	leased int64
	// rotate is set when the current epoch must receive no more records:
	// after a failed write or commit (the file or the database may hold
	// what the store did not account for), or once a backup has captured
	// the epoch (a restored copy must not replay later logins). The next
	// journal write checkpoints first.
	rotate bool
	buf    []byte // the batch being encoded, reused
	crc    *crc32.Table
	// syncs counts the fdatasyncs that succeeded; read by Stats.
	syncs atomic.Uint64
}

// openJournal opens the journal at path, creating it (mode 0600) or
// extending it with zeros to size bytes when it is shorter.
func openJournal(path string, size int64) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: journal: %w", err)
	}
	j := &journal{f: f, path: path, size: size, crc: crc32.MakeTable(crc32.Castagnoli)}
	if err := j.preallocate(); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: journal %s: %w", path, err)
	}
	return j, nil
}

// preallocate writes zeros up to j.size and makes them and the file's
// directory entry durable, so that later writes change data only.
func (j *journal) preallocate() error {
	info, err := j.f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	if info.Size() >= j.size {
		return nil
	}
	zeros := make([]byte, 64<<10)
	for off := info.Size(); off < j.size; off += int64(len(zeros)) {
		if _, err := j.f.WriteAt(zeros[:min(int64(len(zeros)), j.size-off)], off); err != nil {
			return err
		}
	}
	if err := j.f.Sync(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(j.path))
}

// syncDir makes the entries of directory dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// fits reports whether n more bytes of records fit after j.off.
func (j *journal) fits(n int) bool {
	return j.off+int64(n) <= j.size
}

// appendRecord encodes the record of one login into j.buf.
func (j *journal) appendRecord(epoch uint64, user string, a acceptedStep) {
	start, buf := j.header(epoch)
	buf = append(buf, journalVersion)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(user)))
	buf = append(buf, user...)
	buf = binary.BigEndian.AppendUint64(buf, a.enrollmentID)
	buf = binary.BigEndian.AppendUint64(buf, a.step)
	buf = binary.BigEndian.AppendUint64(buf, uint64(a.used))
	j.seal(start, buf)
}

// appendLease encodes a lease up to bound (Unix ns) into j.buf.
func (j *journal) appendLease(epoch uint64, bound int64) {
	start, buf := j.header(epoch)
	buf = append(buf, journalLeaseKind)
	buf = binary.BigEndian.AppendUint64(buf, uint64(bound))
	j.seal(start, buf)
}

// header starts a record of epoch at the end of j.buf: it returns where
// the record starts and the buffer to append the payload to.
func (j *journal) header(epoch uint64) (start int, buf []byte) {
	start = len(j.buf)
	buf = append(j.buf, make([]byte, 8)...) // length and CRC, set by seal
	return start, binary.BigEndian.AppendUint64(buf, epoch)
}

// seal sets the length and CRC of the record that starts at start and
// makes buf, holding it whole, j.buf.
func (j *journal) seal(start int, buf []byte) {
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-journalHeaderLen))
	binary.BigEndian.PutUint32(buf[start+4:], crc32.Checksum(buf[start+8:], j.crc))
	j.buf = buf
}

// write writes the records in j.buf at j.off, makes them durable with
// one fdatasync, and moves j.off past them. On error j.off stays and the
// epoch is marked for rotation: the bytes may be partly on disk.
func (j *journal) write() error {
	if err := j.writeOnly(); err != nil {
		return err
	}
	return j.sync()
}

// writeOnly writes the records in j.buf at j.off into the page cache,
// where a crash of the process does not lose them, and moves j.off past
// them. On error j.off stays and the epoch is marked for rotation.
func (j *journal) writeOnly() error {
	if _, err := j.f.WriteAt(j.buf, j.off); err != nil {
		j.rotate = true
		return fmt.Errorf("store: journal %s: %w", j.path, err)
	}
	j.off += int64(len(j.buf))
	return nil
}

// sync makes everything written so far durable. On error the epoch is
// marked for rotation: what was written may be lost.
func (j *journal) sync() error {
	if err := datasync(j.f); err != nil {
		j.rotate = true
		return fmt.Errorf("store: journal %s: %w", j.path, err)
	}
	j.syncs.Add(1)
	return nil
}

// restart begins a new epoch at offset 0, with no lease.
func (j *journal) restart() {
	j.off, j.rotate, j.leased = 0, false, 0
}

func (j *journal) close() error {
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("store: journal %s: %w", j.path, err)
	}
	return nil
}

// journalRecord is one login read back from the journal.
type journalRecord struct {
	user string
	acceptedStep
}

// scan returns the logins of epoch from the start of the journal, up to
// the first record that is torn, fails its CRC or belongs to another
// epoch, and the highest bound of the leases among them (0 for none).
func (j *journal) scan(epoch uint64) (recs []journalRecord, lease int64, err error) {
	data := make([]byte, j.size)
	read, err := j.f.ReadAt(data, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("store: journal %s: %w", j.path, err)
	}
	data = data[:read]
	for len(data) >= journalHeaderLen {
		n := int64(binary.BigEndian.Uint32(data))
		if n < journalLeaseLen || n > int64(len(data)-journalHeaderLen) ||
			binary.BigEndian.Uint64(data[8:]) != epoch ||
			crc32.Checksum(data[8:journalHeaderLen+n], j.crc) != binary.BigEndian.Uint32(data[4:]) {
			break
		}
		p := data[journalHeaderLen : journalHeaderLen+n]
		if bound, ok := decodeLease(p); ok {
			lease = max(lease, bound)
		} else if rec, ok := decodeJournalPayload(p); ok {
			recs = append(recs, rec)
		} else {
			break
		}
		data = data[journalHeaderLen+n:]
	}
	return recs, lease, nil
}

// decodeLease decodes a lease's payload; ok is false for anything else.
func decodeLease(p []byte) (bound int64, ok bool) {
	if len(p) != journalLeaseLen || p[0] != journalLeaseKind {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(p[1:])), true
}

// decodeJournalPayload decodes one payload whose CRC matched; ok is
// false when its lengths do not add up.
func decodeJournalPayload(p []byte) (rec journalRecord, ok bool) {
	if len(p) < journalFixedLen || p[0] != journalVersion {
		return journalRecord{}, false
	}
	userLen := int(binary.BigEndian.Uint16(p[1:]))
	if userLen == 0 || len(p) != journalFixedLen+userLen {
		return journalRecord{}, false
	}
	rest := p[3+userLen:]
	return journalRecord{
		user: string(p[3 : 3+userLen]),
		acceptedStep: acceptedStep{
			enrollmentID: binary.BigEndian.Uint64(rest),
			step:         binary.BigEndian.Uint64(rest[8:]),
			used:         int64(binary.BigEndian.Uint64(rest[16:])),
		},
	}, true
}
