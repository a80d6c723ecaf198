package watch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

// Two valid versions of a policy that answer two origins differently, and
// a broken one.
const (
	versionA = "cors 1\n\npolicy api {\n    allow \"https://a.example.com\" {\n        expose \"X-A\"\n    }\n}\n"
	versionB = "cors 1\n\npolicy api {\n    allow \"https://b.example.com\" {\n        expose \"X-B\"\n    }\n}\n"
	broken   = "cors 1\n\npolicy api {\n    allow \"https://a.example.com/\"\n}\n"
)

// answer is what one request saw: the origin it came from, and the
// Allow-Origin and Expose-Headers it got.
type answer struct{ origin, allow, expose string }

// whole reports whether the answer is all of version A's, or all of B's.
func whole(a answer) bool {
	switch {
	case a.origin == "https://a.example.com":
		return a.allow == a.origin && a.expose == "X-A" || a.allow == "" && a.expose == "" // A allows it; B does not
	case a.origin == "https://b.example.com":
		return a.allow == a.origin && a.expose == "X-B" || a.allow == "" && a.expose == ""
	}
	return false
}

// TestReloadUnderLoad rewrites the policy 200 times (40 with -short), valid
// and broken in turn, while two goroutines send requests without pause. No request may
// fail, every answer must be wholly one version's, each valid version must
// come to serve, and each broken one must be reported with its position
// while the last good version goes on serving.
func TestReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	if err := os.WriteFile(path, []byte(versionA), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := Load(path, "", compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := eval.NewMiddleware(first)
	handler := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))

	// Each reload reports the origin its table serves; each failure its
	// errors. One write can bring more than one event (os.WriteFile
	// truncates, then writes), so the loop below waits for the event it
	// expects and counts the others.
	type event struct {
		origin string
		err    error
	}
	events := make(chan event, 64)
	var logged atomic.Int64
	logger := slog.New(slog.NewTextHandler(countingWriter{&logged}, nil))
	w := New(m, Config{
		Path:     path,
		OnReload: func(t *compile.Table) { events <- event{origin: t.Rules[0].Origins[0].String()} },
		OnError:  func(err error) { events <- event{err: err} },
		Logger:   logger,
		Settle:   20 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Run(ctx)
	time.Sleep(50 * time.Millisecond) // let the watch start

	var stop atomic.Bool
	var requests atomic.Int64
	var wg sync.WaitGroup
	bad := make(chan answer, 1)
	for _, origin := range []string{"https://a.example.com", "https://b.example.com"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Origin", origin)
				rec := httptest.NewRecorder()
				handler.ServeHTTP(rec, r)
				requests.Add(1)
				a := answer{origin, rec.Header().Get("Access-Control-Allow-Origin"), rec.Header().Get("Access-Control-Expose-Headers")}
				if rec.Code != http.StatusOK || !whole(a) {
					select {
					case bad <- a:
					default:
					}
				}
			}
		}()
	}

	// Each reload waits two settle intervals (SPEC.md, Half-written files).
	rewrites := 200
	if testing.Short() {
		rewrites = 40
	}
	reloads, failures, other := 0, 0, 0
	for i := range rewrites {
		src, want := versionB, "https://b.example.com"
		switch i % 4 {
		case 1, 3:
			src, want = broken, ""
		case 2:
			src, want = versionA, "https://a.example.com"
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		deadline := time.After(5 * time.Second)
	wait:
		for {
			select {
			case ev := <-events:
				var list lang.ErrorList
				switch {
				case want != "" && ev.origin == want:
					reloads++
					break wait
				case want == "" && errors.As(ev.err, &list) && list[0].Pos.Line == 4 && list[0].Code == compile.CodeOrigin:
					failures++
					break wait
				case ev.err != nil && !errors.As(ev.err, &list):
					t.Fatalf("rewrite %d: an error without positions: %v", i, ev.err)
				default:
					other++ // a half-written file, or a second event of an earlier write
				}
			case <-deadline:
				t.Fatalf("rewrite %d: no reload and no error after 5 s", i)
			}
		}
		// The version serving is the last good one.
		good := "https://b.example.com"
		if (i/2)%2 == 1 {
			good = "https://a.example.com"
		}
		if got := m.Table().Rules[0].Origins[0].String(); got != good {
			t.Fatalf("rewrite %d: serving %s, want the last good version's %s", i, got, good)
		}
	}
	stop.Store(true)
	wg.Wait()
	select {
	case a := <-bad:
		t.Fatalf("a request got a mixed or failed answer: %+v", a)
	default:
	}
	if reloads != rewrites/2 || failures != rewrites/2 {
		t.Errorf("%d reloads and %d failures, want %d each", reloads, failures, rewrites/2)
	}
	if logged.Load() < int64(rewrites) {
		t.Errorf("%d log lines, want one per rewrite", logged.Load())
	}
	t.Logf("%d requests during %d rewrites; %d more events (the first reload, repeated events)", requests.Load(), rewrites, other)
}

type countingWriter struct{ n *atomic.Int64 }

func (c countingWriter) Write(p []byte) (int, error) {
	c.n.Add(1)
	return io.Discard.Write(p)
}

func TestLoadNamesThePolicy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "two.cors")
	os.WriteFile(path, []byte("cors 1\n\npolicy a {\n}\n\npolicy b {\n}\n"), 0o644)
	if _, err := Load(path, "", compile.Options{}); err == nil {
		t.Error("a file of two policies loaded without a name")
	}
	if tab, err := Load(path, "b", compile.Options{}); err != nil || tab.Name != "b" {
		t.Errorf("Load(b) = %v, %v", tab, err)
	}
	_, err := Load(path, "c", compile.Options{})
	if err == nil || !errorsContain(err, "no policy named \"c\"") {
		t.Errorf("Load(c): %v", err)
	}
}

func errorsContain(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

// TestReloadRefusesUntrusted edits a serving policy to grant credentials to
// a wildcard over a public suffix: the reload must be refused with the
// finding's code and position, reported, and the last good policy must go
// on serving.
func TestReloadRefusesUntrusted(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.cors")
	if err := os.WriteFile(path, []byte(versionA), 0o644); err != nil {
		t.Fatal(err)
	}
	tab, err := Load(path, "", compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := eval.NewMiddleware(tab)
	var reported error
	w := New(m, Config{Path: path, OnError: func(err error) { reported = err }})
	untrusted := "cors 1\n\npolicy api {\n    allow \"https://*.github.io\" {\n        credentials\n    }\n}\n"
	if err := os.WriteFile(path, []byte(untrusted), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.Reload(); err == nil {
		t.Fatal("a policy with a trust finding was reloaded")
	}
	var list lang.ErrorList
	if !errors.As(reported, &list) || len(list) != 1 || list[0].Code != compile.CodePublicSuffixCreds ||
		list[0].Pos.Line != 4 || list[0].Pos.Column != 22 {
		t.Errorf("reported %v; want one S101 error at 4:22", reported)
	}
	if m.Table() != tab {
		t.Error("the last good policy no longer serves")
	}
}

// TestSettleIsAlwaysAWait checks that a reload waits between its two
// reads whatever Config.Settle says: a negative interval, like zero, is the
// default, never no wait, which would let two reads of a file caught
// half-written agree.
func TestSettleIsAlwaysAWait(t *testing.T) {
	for _, settle := range []time.Duration{0, -time.Second} {
		w := New(nil, Config{Path: "api.cors", Settle: settle})
		if w.cfg.Settle != 50*time.Millisecond {
			t.Errorf("Settle %v: the reload waits %v between its reads, want 50ms", settle, w.cfg.Settle)
		}
	}
}
