package e2e

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/lang"
)

// safelistedResponse are the response headers every script may read.
var safelistedResponse = []string{"cache-control", "content-language", "content-length", "content-type",
	"expires", "last-modified", "pragma"}

// mappedPorts are the ports the browser's resolver sends to the servers.
var mappedPorts = map[string][]string{"https": {"443", "8443", "8081", "8082", "4443"}, "http": {"80", "3000", "5173", "8080"}}

var caseID atomic.Int64

// TestExamplesInChromium runs, for every example policy and build, a
// matrix of fetches from pages of the origins the policy's patterns tell
// apart (inside and outside each pattern, at its edges), with simple and
// non-simple methods (lower-case patch among them), safelisted, granted,
// ungranted and Authorization request headers, with and without the
// session cookie. For each: the fetch succeeds exactly when the engine
// said allowed; scripts read exactly the exposed headers; a preflight is
// sent exactly when the request is not simple, and not again while cached.
func TestExamplesInChromium(t *testing.T) {
	b := chromium(t)
	files, _ := filepath.Glob("../examples/*.cors")
	files = append(files, "../examples/service/api.cors")
	checked, disagreed := 0, 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := lang.Parse(file, src)
		if err != nil {
			t.Fatal(err)
		}
		for _, profile := range compile.Resolve(parsed, compile.Options{}).Builds() {
			prog, err := compile.LoadFile(file, compile.Options{Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range prog.Names() {
				table, err := prog.Policy(name)
				if err != nil {
					continue // a policy without this profile
				}
				t.Run(fmt.Sprintf("%s/%s/%s", filepath.Base(file), profile, name), func(t *testing.T) {
					b.table.Store(table)
					for _, c := range matrix(table) {
						checked++
						if !b.check(t, c) {
							disagreed++
						}
					}
				})
			}
		}
	}
	t.Logf("%d browser-checked cases, %d disagreements; %d API requests carried the session cookie", checked, disagreed, b.cookies.Load())
}

// browserCase is one page origin and one request.
type browserCase struct {
	origin string
	req    request
}

// matrix returns the cases for a table: every origin class's witness that
// the browser can open as a page, times the request shapes.
func matrix(table *compile.Table) []browserCase {
	var granted string // a request header some rule grants by name, not safelisted
	for _, r := range table.Rules {
		for _, h := range r.Headers {
			if granted == "" && h != "authorization" && h != "content-type" && h != "accept" {
				granted = h
			}
		}
	}
	shapes := []request{
		{method: "GET"},
		{method: "GET", credentials: true},
		{method: "HEAD"},
		{method: "POST", headers: map[string]string{"Content-Type": "text/plain"}},
		{method: "POST", headers: map[string]string{"Content-Type": "application/json"}, credentials: true},
		{method: "PUT", headers: map[string]string{"Content-Type": "application/json"}},
		{method: "PUT", credentials: true},
		{method: "DELETE"},
		{method: "PATCH"},
		{method: "patch"},
		{method: "GET", headers: map[string]string{"Accept": "application/json"}},
		{method: "GET", headers: map[string]string{"X-Not-Granted": "1"}},
		{method: "GET", headers: map[string]string{"Authorization": "Bearer t"}},
	}
	if granted != "" {
		shapes = append(shapes, request{method: "GET", headers: map[string]string{granted: "1"}},
			request{method: "PUT", headers: map[string]string{granted: "1"}, credentials: true})
	}
	var out []browserCase
	seen := map[string]bool{}
	for _, class := range table.Classes() {
		if !openable(class.Witness) || seen[class.Witness] {
			continue
		}
		seen[class.Witness] = true
		path := "/"
		for _, r := range class.Cell.Allow {
			if r.Paths != nil {
				path = strings.ReplaceAll(strings.ReplaceAll(r.Paths[0].Text, "**", "x"), "*", "x")
				break
			}
		}
		for _, q := range shapes {
			q.path = path
			out = append(out, browserCase{class.Witness, q})
		}
	}
	return out
}

// openable reports whether the browser can open a page of the origin here:
// a named host on a port the resolver maps. Null has no page, and IP
// literals bypass the resolver.
func openable(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if _, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		return false
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return slices.Contains(mappedPorts[u.Scheme], port)
}

// check runs one case and reports whether the browser agreed.
func (b *browser) check(t *testing.T, c browserCase) bool {
	t.Helper()
	id := fmt.Sprint(caseID.Add(1))
	first, _, err := b.fetch(c.origin, c.req, id, false)
	if err != nil {
		t.Errorf("%s %s %s: %v", c.origin, c.req.method, c.req.path, err)
		return false
	}
	// The server sees a request's credentials only in its cookies, which
	// a preflight never carries and the browser may withhold from a
	// third-party request, while the browser holds the answers to a
	// credentialed request to the rules of credentials all the same. The
	// decision to compare is the engine's answer to the request as the
	// page made it: with credentials when it asked for them.
	var decisions []eval.Decision
	for _, rec := range b.take(id) {
		if rec.req.Credentials != c.req.credentials {
			rec.req.Credentials = c.req.credentials
			rec.d = eval.Evaluate(b.table.Load(), &rec.req)
		}
		decisions = append(decisions, rec.d)
	}
	allowed := len(decisions) > 0
	preflights := 0
	var actual *eval.Decision
	for i := range decisions {
		allowed = allowed && decisions[i].Allowed
		if decisions[i].Kind == eval.Preflight {
			preflights++
		} else {
			actual = &decisions[i]
		}
	}
	label := fmt.Sprintf("%s %s %s (headers %v, credentials %v)", c.origin, c.req.method, c.req.path, c.req.headers, c.req.credentials)
	ok := true
	if first.OK != allowed {
		t.Errorf("%s: the browser's fetch %s, the engine said %s (%s)", label, verdict(first.OK, first.Error), verdict(allowed, ""), describe(decisions))
		ok = false
	}
	if want := boolInt(!c.req.simple()); len(decisions) > 0 && preflights != want {
		t.Errorf("%s: %d preflights, want %d", label, preflights, want)
		ok = false
	}
	if first.OK && actual != nil {
		var got []string
		for _, h := range first.Headers {
			if !slices.Contains(safelistedResponse, h) {
				got = append(got, h)
			}
		}
		slices.Sort(got)
		if actual.ExposeHeaders == "*" && !c.req.credentials {
			// Every header the response has, Set-Cookie aside.
			for _, h := range exposedByAPI {
				h = strings.ToLower(h)
				if h != "set-cookie" && !slices.Contains(safelistedResponse, h) && !slices.Contains(got, h) {
					t.Errorf("%s: Expose-Headers is *, but scripts cannot read %s", label, h)
					ok = false
				}
			}
			if slices.Contains(got, "set-cookie") {
				t.Errorf("%s: scripts read Set-Cookie", label)
				ok = false
			}
		} else if want := readable(*actual); !slices.Equal(got, want) {
			t.Errorf("%s: scripts read %v, the policy exposes %v", label, got, want)
			ok = false
		}
	}
	if first.OK && !c.req.simple() {
		// The same request again: the preflight is cached unless the
		// answer said Max-Age 0.
		before := len(b.take(id))
		second, _, err := b.fetch(c.origin, c.req, id, false)
		if err != nil || !second.OK {
			t.Errorf("%s: the second fetch failed: %v %s", label, err, second.Error)
			return false
		}
		again := 0
		for _, rec := range b.take(id)[before:] {
			if rec.d.Kind == eval.Preflight {
				again++
			}
		}
		want := 0
		if decisions[0].MaxAge == "0" {
			want = 1
		}
		if again != want {
			t.Errorf("%s: %d preflights on the second fetch, want %d (Max-Age %q)", label, again, want, decisions[0].MaxAge)
			ok = false
		}
	}
	return ok
}

func verdict(ok bool, err string) string {
	if ok {
		return "succeeded"
	}
	if err != "" {
		return "failed (" + err + ")"
	}
	return "failed"
}

func describe(ds []eval.Decision) string {
	if len(ds) == 0 {
		return "the request never reached the server"
	}
	var s []string
	for _, d := range ds {
		x := d.Kind.String()
		if d.Allowed {
			x += " allowed"
		} else {
			x += " denied: " + d.Failed.String() + " " + d.Detail
		}
		s = append(s, x)
	}
	return strings.Join(s, "; ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
