package peerprobe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/goldentest"
	"github.com/corspolicy/cors/probe"
	gorilla "github.com/gorilla/handlers"
	jub0bs "github.com/jub0bs/cors"
	rscors "github.com/rs/cors"
)

// fakeClock is a probe.Clock whose Sleep advances its time at once: the
// tests keep the default rate without waiting for it, and the reports'
// elapsed time is the same on every run.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	return ctx.Err()
}

// handler is the service behind each middleware.
var handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })

const site = "https://www.example.com"

// TestPeers probes each peer, configured as the comment says, and expects
// exactly the findings its configuration earns, and nothing else.
func TestPeers(t *testing.T) {
	strict, err := jub0bs.NewMiddleware(jub0bs.Config{
		Origins:        []string{site},
		Credentialed:   true,
		Methods:        []string{http.MethodPut},
		RequestHeaders: []string{"Content-Type"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    http.Handler
		want []string
	}{
		// AllowOriginFunc that trusts everything, with credentials: any
		// page reads the responses as the signed-in visitor.
		{"rs-cors-reflecting", rscors.New(rscors.Options{
			AllowOriginFunc:  func(string) bool { return true },
			AllowCredentials: true,
		}).Handler(handler), []string{"P101 error"}},
		// The defaults: Access-Control-Allow-Origin: * for every origin,
		// but only when the request has an Origin, and no Vary (gorilla
		// sets Vary only when it lists more than one origin).
		{"gorilla-defaults", gorilla.CORS()(handler), []string{"P130 warning"}},
		// One exact origin with credentials, PUT and Content-Type: done
		// right.
		{"jub0bs-strict", strict.Wrap(handler), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.h)
			defer srv.Close()
			rep, err := probe.Run(context.Background(), probe.Config{URL: srv.URL + "/api/items", Site: site,
				Clock: &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			out := strings.ReplaceAll(b.String(), strings.TrimPrefix(srv.URL, "http://"), "127.0.0.1:PORT")
			var got []string
			for _, f := range rep.Findings {
				got = append(got, f.Code+" "+f.Severity.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findings %q, want %q\n%s", got, tc.want, out)
			}
			goldentest.Compare(t, filepath.Join("testdata", tc.name+".golden"), []byte(out))
		})
	}
}
