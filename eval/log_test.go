package eval

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
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

// TestLogClipsClientFields checks that every field of a decision log that
// the client wrote is clipped, however long the client made it, and that
// several Origin lines are logged as a count and the first line, never
// joined into something that reads as one origin.
func TestLogClipsClientFields(t *testing.T) {
	const clipBound = 256 + len("...") // SPEC.md, "Decision logs"
	tab := loadTable(t, "testdata/api.cors", "api")
	var buf bytes.Buffer
	h := NewMiddleware(tab, LogDecisions(slog.New(slog.NewJSONHandler(&buf, nil)), 1)).Wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	huge := strings.Repeat("A", 1<<20)

	// A 1 MiB path, a 1 MiB method (an HTTP token, so it reaches the
	// method check and becomes the denial's detail).
	r := httptest.NewRequest("GET", "/api/"+huge, nil)
	r.Method = huge
	r.Header.Set("Origin", app)
	h.ServeHTTP(httptest.NewRecorder(), r)
	// A preflight asking for a 1 MiB method.
	p := httptest.NewRequest("OPTIONS", "/api/items", nil)
	p.Header.Set("Origin", app)
	p.Header.Set("Access-Control-Request-Method", huge)
	h.ServeHTTP(httptest.NewRecorder(), p)
	// Two Origin lines.
	two := httptest.NewRequest("GET", "/api/items", nil)
	two.Header["Origin"] = []string{app, "https://evil.example.org"}
	h.ServeHTTP(httptest.NewRecorder(), two)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d log lines, want 3", len(lines))
	}
	for i, line := range lines {
		if len(line) > 4096 {
			t.Errorf("line %d is %d bytes, want at most 4096", i+1, len(line))
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, field := range []string{"origin", "method", "path", "request_method", "detail"} {
			if v, _ := rec[field].(string); len(v) > clipBound {
				t.Errorf("line %d: %s is %d bytes, want at most %d", i+1, field, len(v), clipBound)
			}
		}
	}
	var first, last map[string]any
	json.Unmarshal([]byte(lines[0]), &first)
	json.Unmarshal([]byte(lines[2]), &last)
	if d, _ := first["detail"].(string); !strings.HasPrefix(d, "AAAA") || !strings.HasSuffix(d, "...") {
		t.Errorf("detail = %.40q, want the clipped method", d)
	}
	if last["origin"] != app || last["origin_count"] != 2.0 {
		t.Errorf("two Origin lines logged as origin %q, origin_count %v; want %q and 2", last["origin"], last["origin_count"], app)
	}
	if first["origin_count"] != 1.0 {
		t.Errorf("origin_count = %v, want 1", first["origin_count"])
	}
}

// TestClipKeepsCharactersWhole checks that a clipped value is still valid
// UTF-8 when the cut falls inside a character.
func TestClipKeepsCharactersWhole(t *testing.T) {
	s := "a" + strings.Repeat("é", MaxLoggedField) // byte MaxLoggedField is inside an é
	got := clip(s)
	if !utf8.ValidString(got) || len(got) > MaxLoggedField+len("...") || !strings.HasSuffix(got, "é...") {
		t.Errorf("clip = %q (%d bytes), want whole characters within %d bytes and a trailing ...", got, len(got), MaxLoggedField+3)
	}
}
