package nginx_test

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corspolicy/cors/compile"

	"github.com/corspolicy/cors/corstest"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
)

// hostilePathPolicy denies, below globs shaped to make a backtracking
// regular expression engine work hard, what an allow rule grants with
// credentials: a path nginx's PCRE gives up on must not slip past a deny.
const hostilePathPolicy = `cors 1
policy p {
    allow "https://app.example.com" {
        methods "GET", "PUT"
        credentials
    }
    deny "https://app.example.com" { paths "/**/v1/**/admin/**" }
    deny "https://app.example.com" { paths "/**/**/**/secret/**", "/**/*-*-*-*-*-*/internal" }
    deny "https://app.example.com" { paths "/a/*x*x*x*x*x*x*x*x*y", "/*/**/private/**/*" }
}
`

// hostilePaths are paths of up to about 120 KiB, nginx's longest request
// line under the export's large_client_header_buffers, that take a
// backtracking matcher polynomial time on the globs above.
func hostilePaths() map[string]string {
	rep := func(s string, n int) string { return strings.Repeat(s, n) }
	return map[string]string{
		"v1 runs then admin":        "/v1/v1/admin" + rep("/v1", 3000),
		"v1 runs, no admin":         rep("/v1", 30000),
		"v1 runs, admin at the end": rep("/v1", 30000) + "/admin",
		"escaped v1 runs":           rep("/%76%31", 15000) + "/admin/x",
		"secret at the end":         rep("/s", 50000) + "/secret",
		"no secret":                 rep("/s", 50000) + "/secre",
		"dashes":                    rep("/-", 1000) + "/" + rep("-", 100000),
		"dashes, internal":          "/" + rep("-", 100000) + "/internal",
		"x runs":                    "/a/" + rep("x", 110000),
		"x runs then y":             "/a/" + rep("x", 110000) + "y",
		"escaped x runs":            "/a/" + rep("%78", 38000),
		"private deep":              rep("/p", 50000) + "/private",
		"private then more":         rep("/p", 25000) + "/private" + rep("/p", 25000),
	}
}

// TestHostilePathsInNginx sends long paths to nginx and to the Go
// middleware: every answer must be the engine's, quickly, and PCRE must
// never give up (it did: pcre2_match() failed: -47, the match limit, and
// the map then answered its default, "no match", so a deny rule's path
// did not apply and the allow rule granted with credentials).
func TestHostilePathsInNginx(t *testing.T) {
	p := startPair(t, compileOne(t, hostilePathPolicy))
	var probes []corstest.Probe
	for name, path := range hostilePaths() {
		origin := [2]string{"Origin", "https://app.example.com"}
		probes = append(probes,
			corstest.Probe{Name: name + ", GET", Method: "GET", Target: path, Header: [][2]string{origin, {"Cookie", "a=b"}}},
			corstest.Probe{Name: name + ", preflight", Method: "OPTIONS", Target: path, Header: [][2]string{origin, {"Access-Control-Request-Method", "PUT"}}})
	}
	for _, pr := range probes {
		start := time.Now()
		want, err1 := send(p.goAddr, pr)
		goTime := time.Since(start)
		// The fastest of three, as the machine may be busy with others.
		var got answer
		var err2 error
		ngxTime := time.Hour
		for range 3 {
			start = time.Now()
			got, err2 = send(p.nginx, pr)
			ngxTime = min(ngxTime, time.Since(start))
		}
		switch {
		case err1 != nil || err2 != nil:
			t.Errorf("%s: Go: %v, nginx: %v", pr.Name, err1, err2)
		case !want.equal(got):
			t.Errorf("%s:\nGo middleware: %s\nnginx:         %s", pr.Name, want, got)
		}
		// A request takes well under a millisecond; a regular
		// expression that backtracks takes seconds or gives up.
		if ngxTime > 250*time.Millisecond {
			t.Errorf("%s: nginx took %v", pr.Name, ngxTime)
		}
		t.Logf("%s (%d bytes): %d, Go %v, nginx %v", pr.Name, len(pr.Target), got.status, goTime.Round(time.Microsecond), ngxTime.Round(time.Microsecond))
	}
	log, _ := os.ReadFile(filepath.Join(p.prefix, "logs", "error.log"))
	if n := strings.Count(string(log), "pcre"); n > 0 {
		first, _, _ := strings.Cut(string(log[strings.Index(string(log), "pcre"):]), " on ")
		t.Errorf("PCRE failed %d times: %s", n, first)
	}
}

// TestPathRegexpInNginx holds the regular expression of each path pattern
// to the pattern's own matching (compile.PathPattern.Match, the engine's),
// through nginx's PCRE, the engine that runs it: hand-picked patterns and
// paths, and generated ones over a small alphabet so that they meet often,
// every "**" and "*" in every arrangement, each path sent escaped in
// random ways. PathRegexp commits to the earliest match of each run, which
// must not change the language.
func TestPathRegexpInNginx(t *testing.T) {
	nginxtest.Binary(t)
	rng := rand.New(rand.NewPCG(7, 11))
	patterns := []string{"/", "/**", "/api/**", "/a/*/b", "/a/**/b", "/x*y", "/*", "/a b/é", "/100%", "/a.b/*.json", "/**/z",
		"/**/v1/**/admin/**", "/**/*-*-*-*/internal", "/a/*x*x*x*y", "/*/**/private/**/*", "/**/**/a", "/a/**/**", "/**/a*/**/b/**/*c"}
	paths := []string{"/", "//", "/api", "/api/", "/api/v1/x", "/apiv2", "/a/x/b", "/a/b", "/a/x/y/b", "/x-y", "/xy", "/xay/", "/z",
		"/a b/é", "/100%", "/a.b/c.json", "/axb/c.json", "/q/z", "/z/z", "/a/%/b", "/x/y+z", "/a/+/b", "/v1/v1/admin", "/v1/admin/v1",
		"/v1x/admin", "/v1/adminx", "/a-b-c-d/internal", "/a-b-c/internal", "/a/xxxxy", "/a/xxxy", "/a/private/b", "/a/b/private"}
	for len(patterns) < 400 {
		patterns = append(patterns, randomPattern(rng))
	}
	for _, p := range patterns {
		for range 6 {
			paths = append(paths, instance(rng, p))
		}
	}
	for range 1000 {
		paths = append(paths, randomPath(rng))
	}
	compiled := make([]*compile.PathPattern, len(patterns))
	for i, p := range patterns {
		pp, err := compile.ParsePathPattern(p)
		if err != nil {
			t.Fatal(p, err)
		}
		compiled[i] = pp
	}
	ngx := nginxtest.Start(t, func(listen, _ string) ([]byte, error) {
		var b strings.Builder
		var bits strings.Builder
		for i, p := range patterns {
			fmt.Fprintf(&b, "map $request_uri $p%d {\n    \"~%s\" 1;\n    default 0;\n}\n", i, nginxexport.PathRegexp(p))
			fmt.Fprintf(&bits, "$p%d", i)
		}
		fmt.Fprintf(&b, "server {\n    listen %s;\n    merge_slashes off;\n    keepalive_requests 1000000;\n", listen)
		fmt.Fprintf(&b, "    location / {\n        return 200 \"%s\";\n    }\n}\n", bits.String())
		return []byte(b.String()), nil
	}, nginxtest.Options{})
	c := &keepAlive{addr: ngx.Addr}
	defer c.close()
	var sent, matched, differed int
	for _, p := range paths {
		encodings := []string{(&url.URL{Path: p}).EscapedPath(), escapeEvery(p, rng.IntN(2) == 0), escapeSome(rng, p)}
		if onTheWire(p) && !strings.Contains(p, "%") { // as sent, "%" would start an escape
			encodings = append(encodings, p)
		}
		for _, sent1 := range encodings {
			if !onTheWire(sent1) {
				continue
			}
			got, err := c.get(sent1)
			if err != nil {
				t.Fatalf("%s: %v", sent1, err)
			}
			if len(got) != len(patterns) {
				t.Fatalf("%s: %d bits for %d patterns", sent1, len(got), len(patterns))
			}
			sent++
			for i, pp := range compiled {
				want := pp.Match(p)
				if want {
					matched++
				}
				if (got[i] == '1') != want {
					differed++
					if differed <= 20 {
						t.Errorf("pattern %s (%s), path %s sent as %s: nginx %c, pattern %v", patterns[i], nginxexport.PathRegexp(patterns[i]), p, sent1, got[i], want)
					}
				}
			}
		}
	}
	log, _ := os.ReadFile(filepath.Join(ngx.Prefix, "logs", "error.log"))
	if strings.Contains(string(log), "pcre") {
		t.Errorf("PCRE failed:\n%.2000s", log)
	}
	if matched < sent {
		t.Errorf("only %d matches in %d paths: the generated paths miss the patterns", matched, sent)
	}
	t.Logf("%d patterns, %d paths as sent: %d matches, %d comparisons, %d differences", len(patterns), sent, matched, sent*len(patterns), differed)
}

// randomPattern returns a path pattern of up to six segments over a small
// alphabet: "**", and globs of a, b, "%" and "*".
func randomPattern(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(6) {
		b.WriteString("/")
		if rng.IntN(3) == 0 {
			b.WriteString("**")
			continue
		}
		star := false
		for range rng.IntN(5) {
			switch r := rng.IntN(10); {
			case r < 3 && !star:
				b.WriteString("*")
				star = true
				continue
			case r < 6:
				b.WriteString("a")
			case r < 9:
				b.WriteString("b")
			default:
				b.WriteString("%")
			}
			star = false
		}
	}
	return b.String()
}

// randomPath returns a path of up to eight segments over a, b and "%".
func randomPath(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(8) {
		b.WriteString("/")
		for range rng.IntN(5) {
			b.WriteByte("aab%"[rng.IntN(4)])
		}
	}
	return b.String()
}

// instance returns a path the pattern may match, "**" and "*" filled in at
// random, sometimes with a byte changed.
func instance(rng *rand.Rand, pattern string) string {
	var b strings.Builder
	for _, s := range strings.Split(pattern[1:], "/") {
		if s == "**" {
			for range rng.IntN(4) {
				b.WriteString("/" + strings.Repeat("ab"[rng.IntN(2):][:1], rng.IntN(3)))
			}
			continue
		}
		b.WriteString("/")
		for i := 0; i < len(s); i++ {
			if s[i] == '*' {
				for range rng.IntN(4) {
					b.WriteByte("ab%"[rng.IntN(3)])
				}
				continue
			}
			b.WriteByte(s[i])
		}
	}
	p := []byte(b.String())
	if len(p) == 0 {
		return "/" // "/**" with no segment: the root
	}
	if rng.IntN(4) == 0 && len(p) > 1 {
		i := 1 + rng.IntN(len(p)-1)
		if p[i] != '/' {
			p[i] = "ab"[rng.IntN(2)]
		}
	}
	return string(p)
}

// escapeSome escapes each byte of p but "/" with even odds, and "%" and
// the bytes a request line cannot hold always.
func escapeSome(rng *rand.Rand, p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '/' || c > ' ' && c < 0x7f && c != '%' && c != '?' && c != '#' && rng.IntN(2) == 0 {
			b.WriteByte(c)
			continue
		}
		hex := "0123456789ABCDEF"
		if rng.IntN(2) == 0 {
			hex = "0123456789abcdef"
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// keepAlive sends GET requests on one connection, opening another when
// nginx closes it, and returns the bodies.
type keepAlive struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

func (k *keepAlive) get(target string) (string, error) {
	for attempt := 0; ; attempt++ {
		if k.conn == nil {
			c, err := net.DialTimeout("tcp", k.addr, 5*time.Second)
			if err != nil {
				return "", err
			}
			k.conn, k.r = c, bufio.NewReader(c)
		}
		k.conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, err := io.WriteString(k.conn, "GET "+target+" HTTP/1.1\r\nHost: t\r\n\r\n")
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(k.r, nil)
		}
		if err != nil {
			k.close()
			if attempt == 0 {
				continue
			}
			return "", err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("%s: status %d", target, resp.StatusCode)
		}
		return string(body), err
	}
}

func (k *keepAlive) close() {
	if k.conn != nil {
		k.conn.Close()
		k.conn = nil
	}
}

// TestPathRegexpErrorFailsClosed replaces, in an export, the regular
// expressions of two path patterns with one PCRE gives up on (its match
// limit), as a pattern nginx cannot finish on would: nginx then answers
// the map's default. The request must be refused, never granted: the deny
// rule's pattern counts as matching, the allow rule's as not.
func TestPathRegexpErrorFailsClosed(t *testing.T) {
	table := compileOne(t, `cors 1
policy p {
    allow "https://app.example.com" {
        methods "GET", "PUT"
        credentials
    }
    allow "https://app.example.com" {
        paths "/open/**"
        methods "GET", "PATCH"
    }
    deny "https://app.example.com" { paths "/**/admin/**" }
}
`)
	// Exponential: two ways to read each byte, and no end that fits (paths
	// without two digits in a row; no literal PCRE could look for first).
	const hopeless = `^(?:[a-z0-9/]|[a-z0-9/])*[0-9][0-9]`
	ngx := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
		conf, err := nginxexport.Config(table, nginxexport.Options{Upstream: "http://" + nginxtest.FreePort(t), Listen: []string{listen}, Module: module})
		s := string(conf)
		for _, p := range []string{"/**/admin/**", "/open/**"} {
			rx := `"~` + nginxexport.PathRegexp(p) + `" 1;`
			if !strings.Contains(s, rx) {
				t.Fatalf("no map entry %s", rx)
			}
			s = strings.Replace(s, rx, `"~`+hopeless+`" 1;`, 1)
		}
		return []byte(s), err
	}, nginxtest.Options{})
	origin := [2]string{"Origin", "https://app.example.com"}
	for _, path := range []string{"/v1/admin/users/all/of/them/at/once", "/open/data/of/every/kind/there/is"} {
		for _, pr := range []corstest.Probe{
			{Method: "GET", Target: path, Header: [][2]string{origin, {"Cookie", "a=b"}}},
			{Method: "OPTIONS", Target: path, Header: [][2]string{origin, {"Access-Control-Request-Method", "PATCH"}}},
		} {
			got, err := send(ngx.Addr, pr)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.cors) != 0 || pr.Method == "OPTIONS" && got.status != http.StatusForbidden {
				t.Errorf("%s %s with the path's regular expression failing: granted %s", pr.Method, path, got)
			}
		}
	}
	log, _ := os.ReadFile(filepath.Join(ngx.Prefix, "logs", "error.log"))
	if !strings.Contains(string(log), "pcre2_match() failed") {
		t.Errorf("PCRE did not give up, the test tried nothing; error log:\n%.2000s", log)
	}
}
