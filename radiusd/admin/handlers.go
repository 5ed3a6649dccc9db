package admin

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// userAction serves POST /v1/user/{action} with a UserRequest body.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request) {
	var req UserRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, fail(ErrInvalid, "request body: %v", err))
		return
	}
	ctx := r.Context()
	var (
		res any
		err error
	)
	switch r.PathValue("action") {
	case "show":
		res, err = s.api.ShowUser(ctx, req)
	case "enroll":
		res, err = s.api.Enroll(ctx, req)
	case "reset":
		res, err = s.api.Reset(ctx, req)
	case "unlock":
		res, err = s.api.Unlock(ctx, req)
	case "recovery-codes":
		res, err = s.api.RecoveryCodes(ctx, req)
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// listUsers serves GET /v1/users: one JSON UserInfo per line.
func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	s.stream(w, r, "application/x-ndjson", func(out io.Writer) (int64, error) {
		enc := json.NewEncoder(out)
		var n int64
		err := s.api.ListUsers(r.Context(), func(u UserInfo) error {
			n++
			return enc.Encode(u)
		})
		return n, err
	})
}

// importUsers serves POST /v1/import: the file is the request body, read
// as it arrives; the options are in the query (format, columns, skip_bad).
func (s *Server) importUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o := ImportOptions{Format: q.Get("format"), SkipBad: q.Get("skip_bad") == "1"}
	if c := q.Get("columns"); c != "" {
		o.Columns = strings.Split(c, ",")
	}
	report, err := s.api.Import(r.Context(), r.Body, o)
	if err != nil {
		we, status := encodeError(err)
		if errors.Is(err, ErrBadLines) {
			we.Report = &report
		}
		if status == http.StatusInternalServerError {
			s.log.Error("admin request failed", "path", r.URL.Path, "err", err)
		}
		writeJSON(w, status, we)
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// exportUsers serves GET /v1/export?format=csv|uri&with_secrets=1.
func (s *Server) exportUsers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	o := ExportOptions{Format: q.Get("format"), WithSecrets: q.Get("with_secrets") == "1"}
	s.stream(w, r, "text/plain; charset=utf-8", func(out io.Writer) (int64, error) {
		n, err := s.api.Export(r.Context(), out, o)
		return int64(n), err
	})
}

// backup serves GET /v1/backup: the database file.
func (s *Server) backup(w http.ResponseWriter, r *http.Request) {
	s.stream(w, r, "application/octet-stream", func(out io.Writer) (int64, error) {
		return s.api.Backup(r.Context(), out)
	})
}

// reload serves POST /v1/reload.
func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	res, err := s.api.Reload(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// stream answers with what fn writes, buffered. An error before anything
// was sent is an ordinary error response; after, it goes into the
// trailer, and the count on success.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, contentType string, fn func(io.Writer) (int64, error)) {
	w.Header().Set("Trailer", trailerError+", "+trailerCount)
	w.Header().Set("Content-Type", contentType)
	sw := &startWriter{w: w}
	bw := bufio.NewWriterSize(sw, 64<<10)
	n, err := fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil && !sw.started {
		w.Header().Del("Trailer")
		s.fail(w, r, err)
		return
	}
	if err != nil {
		s.log.Error("admin stream failed", "path", r.URL.Path, "err", err)
		w.Header().Set(trailerError, oneLine(err.Error()))
		return
	}
	if !sw.started {
		w.WriteHeader(http.StatusOK)
	}
	w.Header().Set(trailerCount, strconv.FormatInt(n, 10))
}

// startWriter notes whether anything was written.
type startWriter struct {
	w       io.Writer
	started bool
}

func (s *startWriter) Write(p []byte) (int, error) {
	s.started = true
	return s.w.Write(p)
}
