package compile

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/corspolicy/cors/lang"
)

// TestLookup checks, origin by origin, that Lookup refuses what a browser
// never sends as an Origin (Fetch's serialisation of an origin: lower-case
// scheme and host, no default port, no path) and finds the patterns that
// cover the rest, and only those.
func TestLookup(t *testing.T) {
	prog, err := CompileSource("lookup.cors", []byte(`cors 1

policy p {
    allow "https://app.example.com", "https://*.example.org", "http://localhost:*",
          "https://[::1]:8443", "https://10.0.0.1", "https://api.example.com:8443" {
        methods "GET"
    }
}
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tab, err := prog.Policy("p")
	if err != nil {
		t.Fatal(err)
	}
	label63 := strings.Repeat("a", 63)
	const (
		refused = iota // not a serialised origin
		other          // serialised, no pattern covers it
		covered
	)
	for _, tc := range []struct {
		origin string
		want   int
	}{
		{"https://app.example.com", covered},
		{"http://app.example.com", other},                // another scheme
		{"https://app.example.com:8443", other},          // another port
		{"https://x.app.example.com", other},             // an exact host covers no subdomain
		{"https://a.example.org", covered},               // one label below the wildcard
		{"https://a.b.c.example.org", covered},           // and deeper
		{"https://example.org", other},                   // never the apex
		{"https://aexample.org", other},                  // a suffix that is not at a label boundary
		{"https://" + label63 + ".example.org", covered}, // a label of 63 bytes
		{"http://localhost", covered},                    // any port covers the default one
		{"http://localhost:3000", covered},
		{"https://localhost:3000", other},
		{"https://[::1]:8443", covered},
		{"https://[::1]", other},
		{"https://10.0.0.1", covered},
		{"https://1.10.0.0.1", other}, // no parent of an IP address
		{"https://api.example.com:8443", covered},
		{"https://api.example.com", other},
		{"https://evil.example", other},
		{"null", other},

		{"", refused},
		{"https://APP.example.com", refused},              // upper case
		{"HTTPS://app.example.com", refused},              //
		{"https://app.example.com/", refused},             // a trailing slash
		{"https://app.example.com/path", refused},         // a path
		{"https://app.example.com:443", refused},          // the default port, which browsers leave out
		{"http://localhost:80", refused},                  //
		{"https://app.example.com:0443", refused},         // a leading zero
		{"https://app.example.com:0", refused},            //
		{"https://app.example.com:65536", refused},        // out of range
		{"https://app.example.com:", refused},             // an empty port
		{"https://app.example.com.", refused},             // a trailing dot
		{"https://app..example.com", refused},             // an empty label
		{"https://.example.org", refused},                 //
		{"https://a" + label63 + ".example.org", refused}, // a label of 64 bytes
		{"https://user@app.example.com", refused},         // userinfo
		{"https://app_x.example.com", other},              // an underscore: browsers send it
		{"https://app!x.example.com", refused},            // a byte the URL Standard allows but no name holds
		{"https://app%2ax.example.com", refused},          // an escape
		{"https://app.example.com ", refused},             // a space
		{"ftp://app.example.com", refused},                // another scheme
		{"https://[::1", refused},                         // an unclosed bracket
		{"https://[::g]", refused},                        // not an IPv6 address
		// IPv6 only in the form the URL Standard serialises it in.
		{"https://[1]", refused},
		{"https://[]", refused},
		{"http://[:]", refused},
		{"https://[1.2.3.4]", refused},
		{"https://[::1.dead.beef]", refused},
		{"https://[0::1]", refused},            // a leading zero piece
		{"https://[::01]", refused},            // a leading zero
		{"https://[0:0:0:0:0:0:0:1]", refused}, // zeros not compressed
		{"https://[::ffff:1.2.3.4]", refused},  // browsers send ::ffff:102:304
		{"https://[::ffff:102:304]", other},    //
		{"https://[1::2:0:0:0:3]", refused},    // the longer run compressed, not the first
		{"https://[1:0:0:2::3]", other},
		{"https://[1:0:0:2::3:4]", refused}, // the first of two runs as long
		{"https://[1::2:0:0:3:4]", other},
		{"https://[1:0:2:3:4:5:6:7]", other},                    // a lone zero piece stays
		{"https://[1::2:3:4:5:6:7]", refused},                   //
		{"https://[fe80::1%25eth0]", refused},                   // a zone
		{"https://[2001:DB8::1]", refused},                      // upper case
		{"https://" + strings.Repeat("a.", 127) + "a", refused}, // a host of 255 bytes

		// In front of a name the policy knows, which Lookup matches
		// first, the rest is checked all the same.
		{"https://X.example.org", refused},
		{"https://x_y.example.org", covered},
		{"https://xn--f.example.org", refused},          // invalid punycode in front of the wildcard: never echoed
		{"https://a.xn--f.example.org", refused},        // however deep
		{"https://xn--bcher-kva.example.org", covered},  // bücher
		{"https://xn--ls8h.example.org", covered},       // an emoji, which IDNA's lookup rules allow
		{"https://xn--.example.org", refused},           // nothing after the prefix
		{"https://xn--bcher-kva-.example.org", refused}, // not what bücher encodes to
		{"https://x..example.org", refused},
		{"https://-.example.org", covered},                                // a hyphen alone is a label a browser sends
		{"https://" + strings.Repeat("a.", 122) + "example.org", refused}, // 255 bytes
		{"https://" + strings.Repeat("a.", 121) + "example.org", covered}, // 253
		{"https://[::2]", other},
	} {
		c, ok := tab.Lookup(tc.origin)
		got := refused
		if ok {
			got = other
			if len(c.Allow) > 0 {
				got = covered
			}
		}
		if got != tc.want {
			t.Errorf("Lookup(%q) = %v, want %v", tc.origin, [...]string{"refused", "other", "covered"}[got], [...]string{"refused", "other", "covered"}[tc.want])
		}
	}
}

// TestLookupWildcardBesideApex checks that a wildcard never reaches its
// own base, the apex, whatever its port and whatever else names the apex:
// "*.example.com" covers one or more labels in front of example.com and
// never example.com itself (SPEC.md, "Subdomain wildcard"). The apex is
// another site, and a wildcard's rule in the apex's cell would hand it the
// wildcard's grants, credentials included. Each case lists the lines of the
// allow rules Lookup must find for an origin, and only those.
func TestLookupWildcardBesideApex(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rules []string // one a line, from line 4
		want  map[string][]int
	}{
		{"a wildcard on any port", []string{
			`allow "https://*.example.com:*" { credentials }`,
		}, map[string][]int{
			"https://example.com":        nil,
			"https://example.com:8443":   nil,
			"https://a.example.com":      {4},
			"https://a.example.com:8443": {4},
			"https://b.a.example.com":    {4},
		}},
		{"a wildcard beside an exact apex on the same port", []string{
			`allow "https://*.example.com" { credentials }`,
			`allow "https://example.com"`,
		}, map[string][]int{
			"https://example.com":      {5},
			"https://example.com:8443": nil,
			"https://a.example.com":    {4},
		}},
		{"a wildcard beside an exact apex on another port", []string{
			`allow "https://*.example.com:8443" { credentials }`,
			`allow "https://example.com:8443"`,
		}, map[string][]int{
			"https://example.com:8443":   {5},
			"https://example.com":        nil,
			"https://a.example.com:8443": {4},
			"https://a.example.com":      nil,
		}},
		{"a wildcard on any port beside an exact apex", []string{
			`allow "https://*.example.com:*" { credentials }`,
			`allow "https://example.com"`,
		}, map[string][]int{
			"https://example.com":        {5},
			"https://example.com:8443":   nil,
			"https://a.example.com:8443": {4},
		}},
		{"a wildcard beside an apex on any port", []string{
			`allow "https://*.example.com" { credentials }`,
			`allow "https://example.com:*"`,
		}, map[string][]int{
			"https://example.com":      {5},
			"https://example.com:8443": {5},
			"https://a.example.com":    {4},
		}},
		{"nested wildcards: the outer reaches the inner's apex, the inner does not", []string{
			`allow "https://*.example.com:*"`,
			`allow "https://*.a.example.com" { credentials }`,
			`allow "https://a.example.com"`,
		}, map[string][]int{
			"https://a.example.com":      {4, 6},
			"https://a.example.com:8443": {4},
			"https://b.a.example.com":    {4, 5},
			"https://example.com":        nil,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "cors 1\n\npolicy p {\n" + strings.Join(tc.rules, "\n") + "\n}\n"
			prog, err := CompileSource("apex.cors", []byte(src), Options{})
			if err != nil {
				t.Fatal(err)
			}
			tab, err := prog.Policy("p")
			if err != nil {
				t.Fatal(err)
			}
			for origin, want := range tc.want {
				c, ok := tab.Lookup(origin)
				if !ok {
					t.Errorf("Lookup(%q) refuses a serialised origin", origin)
					continue
				}
				var got []int
				for _, r := range c.Allow {
					got = append(got, r.Pos.Line)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Lookup(%q) finds the rules at lines %v, want %v", origin, got, want)
				}
			}
		})
	}
}

// TestLookupFullWidthAddress holds a policy that writes an IPv4 address in
// full-width digits to what a browser makes of it: the address 10.0.0.1,
// with no names below it, and no wildcard over it (found by attacking the
// compiler: "*.１０.０.０.１" compiled to a wildcard that echoed
// https://a.10.0.0.1, and "１２７.１" to an origin no browser sends).
func TestLookupFullWidthAddress(t *testing.T) {
	for _, src := range []string{`allow "https://*.１０.０.０.１"`, `allow "https://１２７.１"`} {
		_, err := CompileSource("ip.cors", []byte("cors 1\n\npolicy p {\n    "+src+"\n}\n"), Options{})
		var list lang.ErrorList
		if !errors.As(err, &list) || len(list) != 1 || list[0].Code != "C005" {
			t.Errorf("%s: got %v, want one C005", src, err)
		}
	}
	tab := policyTable(t, "ip.cors", "cors 1\n\npolicy p {\n    allow \"https://１０.０.０.１\"\n}\n", "p")
	for origin, want := range map[string]int{
		"https://10.0.0.1":   1,
		"https://a.10.0.0.1": 0,
		"https://1.10.0.0.1": 0,
	} {
		if c, ok := tab.Lookup(origin); ok && len(c.Allow) != want {
			t.Errorf("Lookup(%q) finds %d allow rules, want %d", origin, len(c.Allow), want)
		} else if !ok && want > 0 {
			t.Errorf("Lookup(%q) refuses the address the policy allows", origin)
		}
	}
	if _, ok := tab.Lookup("https://１０.０.０.１"); ok {
		t.Error("Lookup accepts an Origin in full-width digits, which no browser sends")
	}
}

// TestLookupIPv4MappedAddress holds a pattern that writes an IPv4-mapped
// IPv6 address to the Origin a browser sends for it, [::ffff:102:304]
// (found by attacking the compiler: the pattern was refused, so no policy
// could allow an origin the request side accepts).
func TestLookupIPv4MappedAddress(t *testing.T) {
	tab := policyTable(t, "ip.cors", "cors 1\n\npolicy p {\n    allow \"https://[::ffff:1.2.3.4]\"\n}\n", "p")
	if c, ok := tab.Lookup("https://[::ffff:102:304]"); !ok || len(c.Allow) != 1 {
		t.Errorf("Lookup of the address as browsers send it: valid %v, allowed %v", ok, ok && len(c.Allow) > 0)
	}
	if _, ok := tab.Lookup("https://[::ffff:1.2.3.4]"); ok {
		t.Error("Lookup accepts the dotted form, which no browser sends")
	}
}
