package nginx_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/export/nginx/nginxtest"
)

// TestIDNAHostInNjs holds the module's check of a host with an xn-- label
// (idnaHost, run by njs in nginx) to the engine's (Lookup, through Go's
// golang.org/x/net/idna): every code point alone, before and after a
// letter, and random names where UTS 46's checks bite (marks that compose
// or reorder, Hangul jamo, right-to-left labels beside others, viramas and
// joiners, punycode that does not decode). Any difference fails.
func TestIDNAHostInNjs(t *testing.T) {
	nginxtest.Binary(t)
	table := compileOne(t, "cors 1\npolicy p {\n    allow any\n}\n")
	step, random := 1, 200000
	if testing.Short() {
		step, random = 8, 20000
	}
	hosts := idnaCorpus(t.Name(), step, random)
	harness := strings.Replace(string(nginxexport.Module()), "export default {", "var corsRequest = {", 1) + `
function check(r) {
    var hosts = r.requestText.split('\n');
    var out = '';
    for (var i = 0; i < hosts.length; i++) {
        out += idnaHost(hosts[i]) ? '1' : '0';
    }
    r.return(200, out);
}
export default {check};
`
	srv := nginxtest.Start(t, func(listen, module string) ([]byte, error) {
		return []byte(fmt.Sprintf(`js_import idnacheck from %s;
server {
    listen %s;
    client_max_body_size 16m;
    client_body_buffer_size 16m;
    location / {
        js_content idnacheck.check;
    }
}
`, filepath.Join(filepath.Dir(module), "idna_check.js"), listen)), nil
	}, nginxtest.Options{Files: map[string][]byte{"idna_check.js": []byte(harness)}})
	accepted, differed := 0, 0
	for start := 0; start < len(hosts); start += 20000 {
		batch := hosts[start:min(start+20000, len(hosts))]
		resp, err := http.Post("http://"+srv.Addr+"/", "text/plain", strings.NewReader(strings.Join(batch, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		verdicts, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(verdicts) != len(batch) {
			t.Fatalf("njs answered %d, %d verdicts for %d hosts: %v\n%.300s", resp.StatusCode, len(verdicts), len(batch), err, verdicts)
		}
		for i, h := range batch {
			_, want := table.Lookup("https://" + h)
			if got := verdicts[i] == '1'; got != want {
				differed++
				if differed <= 20 {
					t.Errorf("%s (%+q): Lookup accepts it: %v, the module: %v", h, unicodeOf(h), want, got)
				}
			} else if want {
				accepted++
			}
		}
	}
	if accepted < len(hosts)/20 {
		t.Errorf("only %d of %d hosts accepted: the corpus no longer tries names UTS 46 accepts", accepted, len(hosts))
	}
	t.Logf("%d hosts with an xn-- label, %d of them names: %d differences between njs and Go", len(hosts), accepted, differed)
}

// unicodeOf returns host decoded, for messages.
func unicodeOf(host string) string {
	u, _ := idna.Punycode.ToUnicode(host)
	return u
}

// idnaCorpus returns hosts with at least one xn-- label, of the bytes a
// host label may hold: every step-th code point alone, and every
// 7·step-th before and after "a"; runs of each code point normalisation
// does not pass over at Go's stream-safe bound; then n random names.
func idnaCorpus(seed string, step, n int) []string {
	var hosts []string
	add := func(h string) bool {
		ok := len(h) <= 253 && strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == "" && punycodeHost(h)
		if ok {
			hosts = append(hosts, h)
		}
		return ok
	}
	label := func(rs ...rune) string {
		a, err := idna.Punycode.ToASCII(string(rs))
		if err != nil || len(a) > 63 || strings.Contains(a, ".") {
			return "-"
		}
		return a
	}
	for r := rune(0x80); r <= utf8.MaxRune; r += rune(step) {
		if utf8.ValidRune(r) {
			add(label(r) + ".example")
			if r%rune(7*step) == 0 {
				add(label('a', r) + ".b")
				add("a." + label(r, 'a'))
			}
		}
	}
	// Runs of non-starters at Go's stream-safe bound (30 in a row, past
	// which its NFC inserts U+034F), after a starter, a precomposed
	// letter and a Hangul syllable, for every code point normalisation
	// does not pass over.
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		s := string(r)
		if !utf8.ValidRune(r) || norm.NFD.PropertiesString(s).CCC() == 0 && norm.NFD.String(s) == s && norm.NFC.PropertiesString(s).BoundaryBefore() {
			continue
		}
		for _, k := range []int{29, 30, 31} {
			for _, head := range []string{"x", "\u00e9", "\uac01"} {
				add(label([]rune(head+strings.Repeat(s, k))...) + ".example")
			}
		}
	}
	rng := rand.New(rand.NewPCG(seedOf(seed), 1))
	for added := 0; added < n; {
		if add(randomIDNHost(rng)) {
			added++
		}
	}
	return hosts
}

// seedOf returns a random seed made of s.
func seedOf(s string) uint64 {
	var h uint64
	for _, c := range []byte(s) {
		h = h*31 + uint64(c)
	}
	return h
}

// TestIDNAOriginsInNginx sends origins with xn-- labels, random names
// UTS 46 accepts or refuses below the policy's wildcards and alone, to
// nginx and to the Go middleware: the module's check, wired into the
// configuration, must answer every request as the engine does (a right-to-
// left base binds the labels in front of it to the Bidi rule).
func TestIDNAOriginsInNginx(t *testing.T) {
	table := compileOne(t, `cors 1
policy p {
    allow any
    allow "https://*.example.com", "https://*.xn--mgbh0fb.example", "https://*.xn--bcher-kva.example:8443" {
        methods "PUT"
        credentials
    }
}
`)
	p := startPair(t, table)
	n := 600
	if testing.Short() {
		n = 150
	}
	rng := rand.New(rand.NewPCG(seedOf(t.Name()), 2))
	var origins []string
	for len(origins) < 3*n {
		h := randomIDNHost(rng)
		if !punycodeHost(h) || strings.Trim(h, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != "" {
			continue
		}
		origins = append(origins, "https://"+h, "https://"+h+".example.com", "https://"+h+".xn--mgbh0fb.example")
	}
	origins = append(origins, "https://a.xn--bcher-kva.example:8443", "https://xn--ls8h.xn--bcher-kva.example:8443",
		"https://0.xn--mgbh0fb.example", "https://xn--4gbrim.xn--mgbh0fb.example", "https://a-.xn--mgbh0fb.example")
	compared, valid := compareOrigins(t, p, origins, "PUT")
	if valid < len(origins)/20 || valid > len(origins)*19/20 {
		t.Errorf("%d of %d origins are serialised: the sample does not try both sides", valid, len(origins))
	}
	t.Logf("%d requests compared, %d of %d origins serialised", compared, valid, len(origins))
}

// punycodeHost reports whether a host has a label that starts with xn--.
func punycodeHost(h string) bool {
	return strings.HasPrefix(h, "xn--") || strings.Contains(h, ".xn--")
}
