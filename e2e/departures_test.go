package e2e

import (
	"testing"

	"github.com/corspolicy/cors/compile"
)

// TestDeparturesInChromium checks, one by one, the places where Chromium
// and the Fetch standard are known to part, or where the engine chose:
// the engine's answer must make the browser do what the decision says.
func TestDeparturesInChromium(t *testing.T) {
	b := chromium(t)
	const policy = `cors 1

policy p {
    allow "https://app.example.com" {
        paths   "/any/**"
        methods "PUT"
        headers any
        expose  any
    }

    allow "https://app.example.com" {
        paths   "/named/**"
        methods "PUT", "PATCH"
        headers any, "Authorization"
        max-age 0s
    }
}
`
	prog, err := compile.CompileSource("departures.cors", []byte(policy), compile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	table, _ := prog.Policy("p")
	b.table.Store(table)
	app := "https://app.example.com"
	for _, tc := range []struct {
		name string
		req  request
	}{
		// Chromium lets "*" in Allow-Headers cover Authorization unless a
		// feature flag is set; the Fetch standard does not. The engine
		// never relies on it: it refuses the preflight itself.
		{"Authorization is not covered by headers any", request{method: "PUT", path: "/any/x", headers: map[string]string{"Authorization": "Bearer t"}}},
		{"a custom header is", request{method: "PUT", path: "/any/x", headers: map[string]string{"X-Custom": "1"}}},
		{"Authorization named beside any", request{method: "PUT", path: "/named/x", headers: map[string]string{"Authorization": "Bearer t"}}},
		// Max-Age 0: the preflight is sent again for the second fetch.
		{"max-age 0s caches nothing", request{method: "PATCH", path: "/named/x"}},
		// Browsers send methods other than the six they normalise as
		// written: "patch" is not PATCH.
		{"lower-case patch is not PATCH", request{method: "patch", path: "/named/x"}},
		// Expose any, without credentials: scripts read every header but
		// Set-Cookie.
		{"expose any", request{method: "PUT", path: "/any/x"}},
		// With credentials, "*" is read literally, which is why the
		// engine refuses any with credentials at compile time; a
		// credentialed fetch of a rule without credentials fails.
		{"credentials where none are granted", request{method: "PUT", path: "/any/x", credentials: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.check(t, browserCase{app, tc.req})
		})
	}
}
