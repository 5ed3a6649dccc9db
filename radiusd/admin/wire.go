package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/radius2fa/radius2fa/config"
)

// The protocol between Client and Server: HTTP/1.1 over the unix socket.
const (
	// protocolVersion is what GET /v1/ping answers; Client refuses another.
	protocolVersion = 1
	// headerSudoUser carries the SUDO_USER of the client; the server uses
	// it only when the peer is root (see ActorFor).
	headerSudoUser = "Radius2fa-Sudo-User"
	// trailerError carries the error of a stream that failed after it
	// started; trailerCount how many items it held.
	trailerError = "Radius2fa-Error"
	trailerCount = "Radius2fa-Count"
	// maxRequestBody bounds the JSON body of a per-user request.
	maxRequestBody = 64 << 10
)

// ping is the answer to GET /v1/ping.
type ping struct {
	Service string `json:"service"`
	Version int    `json:"version"`
}

// wireError is the body of every error response.
type wireError struct {
	Error    string        `json:"error"`
	Kind     string        `json:"kind,omitempty"`
	Problems []wireProblem `json:"problems,omitempty"`
	Report   *ImportReport `json:"report,omitempty"`
}

// wireProblem is one config.Problem.
type wireProblem struct {
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

// errKind is a sentinel error with its name on the wire and the status
// it is answered with.
type errKind struct {
	err    error
	name   string
	status int
}

// errKinds lists the sentinel errors the protocol carries.
func errKinds() []errKind {
	return []errKind{
		{ErrNotFound, "not_found", http.StatusNotFound},
		{ErrUnknownUser, "unknown_user", http.StatusNotFound},
		{ErrDirectory, "directory", http.StatusBadGateway},
		{ErrInvalid, "invalid", http.StatusBadRequest},
		{ErrBadLines, "bad_lines", http.StatusUnprocessableEntity},
		{ErrNoDaemon, "no_daemon", http.StatusConflict},
		{ErrForbidden, "forbidden", http.StatusForbidden},
		{config.ErrInvalid, "config", http.StatusUnprocessableEntity},
	}
}

// encodeError renders err for the wire and picks its status.
func encodeError(err error) (wireError, int) {
	we := wireError{Error: err.Error()}
	status := http.StatusInternalServerError
	for _, k := range errKinds() {
		if errors.Is(err, k.err) {
			we.Kind, status = k.name, k.status
			break
		}
	}
	var cerr *config.Error
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			we.Problems = append(we.Problems, wireProblem{Key: p.Key, Message: p.Message})
		}
	}
	return we, status
}

// decodeError turns an error response back into the error the server's
// API returned: the same message, matching the same sentinel, and a
// *config.Error with its problems for an invalid configuration.
func decodeError(we wireError) error {
	if we.Kind == "config" && len(we.Problems) > 0 {
		cerr := &config.Error{}
		for _, p := range we.Problems {
			cerr.Problems = append(cerr.Problems, config.Problem{Key: p.Key, Message: p.Message})
		}
		return cerr
	}
	for _, k := range errKinds() {
		if k.name == we.Kind {
			return &kindError{msg: we.Error, kind: k.err}
		}
	}
	return errors.New(we.Error)
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v) // the client is gone if this fails
}

// oneLine makes an error message fit in a header (a trailer).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
