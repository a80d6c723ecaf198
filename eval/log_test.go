package eval

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLogDecisions(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	h := NewMiddleware(tab, LogDecisions(logger, 1)).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	for _, origin := range []string{"", app, "https://evil.example.org"} {
		r := httptest.NewRequest("GET", "/api/items", nil)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want 2 (a request without Origin is not logged):\n%s", len(lines), buf.String())
	}
	var allowed, denied map[string]any
	json.Unmarshal([]byte(lines[0]), &allowed)
	json.Unmarshal([]byte(lines[1]), &denied)
	if allowed["msg"] != "cors allowed" || allowed["level"] != "INFO" || allowed["origin"] != app ||
		allowed["method"] != "GET" || allowed["path"] != "/api/items" || allowed["kind"] != "actual" {
		t.Errorf("allowed: %v", allowed)
	}
	if rules, _ := allowed["rules"].([]any); len(rules) != 1 || rules[0] != "allow testdata/api.cors:7:5" {
		t.Errorf("rules: %v", allowed["rules"])
	}
	if denied["msg"] != "cors denied" || denied["level"] != "WARN" || denied["failed"] != "origin" {
		t.Errorf("denied: %v", denied)
	}
}

func TestLogSampling(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	var buf bytes.Buffer
	h := NewMiddleware(tab, LogDecisions(slog.New(slog.NewTextHandler(&buf, nil)), 10)).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest("GET", "/api/items", nil)
	r.Header.Set("Origin", app)
	for range 100 {
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	if n := strings.Count(buf.String(), "\n"); n != 10 {
		t.Errorf("logged %d of 100 decisions, want 10", n)
	}
}

// TestLogOffCostsNothing checks that a middleware without decision logs,
// or whose logger is disabled at both levels, allocates no more than the
// header values need.
func TestLogOffCostsNothing(t *testing.T) {
	tab := loadTable(t, "testdata/api.cors", "api")
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	quiet := slog.New(slog.NewTextHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelError}))
	r := httptest.NewRequest("GET", "/api/items", nil)
	r.Header.Set("Origin", "https://evil.example.org")
	for name, h := range map[string]http.Handler{
		"no option":       NewMiddleware(tab).Wrap(next),
		"nil logger":      NewMiddleware(tab, LogDecisions(nil, 1)).Wrap(next),
		"disabled logger": NewMiddleware(tab, LogDecisions(quiet, 1)).Wrap(next),
	} {
		w := &headerOnly{h: http.Header{}}
		if n := testing.AllocsPerRun(100, func() { clear(w.h); h.ServeHTTP(w, r) }); n != 1 {
			t.Errorf("%s: %v allocations per request, want 1 (the Vary value)", name, n)
		}
	}
}
