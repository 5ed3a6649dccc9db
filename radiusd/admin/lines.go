package admin

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// maxLineBytes bounds one line of an import; a longer one is a bad line,
// not a reason to buffer the whole file.
const maxLineBytes = 64 << 10

// lineReader yields the lines of a file numbered from 1, without the line
// break (\n or \r\n) and without a UTF-8 byte order mark at the start.
type lineReader struct {
	r *bufio.Reader
	n int // number of the line last returned
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, maxLineBytes)}
}

// next returns the next line and its number; tooLong reports a line over
// maxLineBytes, whose text is then empty. At the end it returns io.EOF.
func (lr *lineReader) next() (line string, n int, tooLong bool, err error) {
	b, err := lr.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		tooLong = true
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.r.ReadSlice('\n')
		}
		b = nil
	}
	switch {
	case err == io.EOF && len(b) == 0 && !tooLong:
		return "", lr.n, false, io.EOF
	case err != nil && err != io.EOF:
		return "", lr.n, false, err
	}
	lr.n++
	line = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	if lr.n == 1 {
		line = strings.TrimPrefix(line, "\uFEFF")
	}
	return line, lr.n, tooLong, nil
}
