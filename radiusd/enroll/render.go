package enroll

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

//go:embed templates
var templateFiles embed.FS

// parseTemplates parses every page, each rendered inside
// templates/layout.html.
func parseTemplates() (map[string]*template.Template, error) {
	pageNames := []string{"login", "status", "register", "done", "recovery", "message"}
	funcs := template.FuncMap{
		"fill": fill,
		"add":  func(a, b int) int { return a + b },
	}
	m := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("enroll: template %s: %w", name, err)
		}
		m[name] = t
	}
	return m, nil
}

// page is what a template sees. Each page uses the fields it needs.
type page struct {
	T     *text
	Title string
	// CSRF is the token of the forms on the page.
	CSRF string
	// User is the logged-in user (shown with the logout button).
	User string

	Notice    string
	Error     string
	ErrorHint string

	// Username refills the login form.
	Username string
	Status   *statusView
	Reg      *registerView
	Codes    []string

	// Message and MessageID are the text of a message page and the id of
	// its paragraph; ShowRegister adds the Register button to it.
	Message      string
	MessageID    string
	ShowRegister bool
}

// render writes the page name with HTTP status code. The template runs
// into a buffer first, so a template error gives a clean 500.
func (s *Server) render(w http.ResponseWriter, status int, name string, p page) {
	var buf bytes.Buffer
	if err := s.templates[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.log.Error("enroll: template", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// renderMessage writes a short page with one message.
func (s *Server) renderMessage(w http.ResponseWriter, status int, p page) {
	s.render(w, status, "message", p)
}

// formatTime shows t in the server's time zone with date and time.
func formatTime(t *text, at time.Time) string {
	return at.In(time.Local).Format(t.TimeLayout)
}

// minutesLeft rounds d up to whole minutes, at least 1.
func minutesLeft(d time.Duration) int {
	return max(1, int((d+time.Minute-1)/time.Minute))
}
