package nginx_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/corspolicy/cors/corstest"
)

// TestIPv6OriginsInNginx holds nginx, with cors_request.js's check of a
// bracketed host, to the engine on IPv6 origins: an address in the one
// form browsers serialise it in is an origin, and the same address written
// any other way (zeros not compressed, the wrong run compressed, leading
// zeros, upper case, a dotted tail), or brackets that hold no address, is
// not; behind allow any, the difference is a "*" or none. The maps'
// regular expressions cannot tell these apart, so only a real nginx can
// show that the script does.
func TestIPv6OriginsInNginx(t *testing.T) {
	table := compileOne(t, `cors 1
policy p {
    allow any
    allow "http://[::1]:3000", "https://[2001:db8::1]" {
        methods "PUT"
    }
}
`)
	p := startPair(t, table)
	rng := rand.New(rand.NewPCG(6, 6))
	hosts := []string{"::1", "0::1", "::01", "1", "", ":", "1.2.3.4", "::1.dead.beef", "::ffff:1.2.3.4", "::ffff:102:304",
		"2001:db8::1", "2001:DB8::1", "2001:0db8::1", "fe80::1%25eth0", "1:0:0:2::3", "1::2:0:0:0:3", "1::2:0:0:3:4",
		"1:0:0:2::3:4", "1:0:2:3:4:5:6:7", "1::2:3:4:5:6:7", "::", "0:0:0:0:0:0:0:0", "1::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::",
		":::", "1:::2", "12345::", strings.Repeat("1:", 8) + "1"}
	for range 120 {
		var b [16]byte
		for i := 0; i < 16; i += 2 {
			if rng.IntN(2) == 0 { // zero pieces often, so that runs compete
				b[i], b[i+1] = byte(rng.IntN(3)), byte(rng.IntN(256))
			}
		}
		addr := netip.AddrFrom16(b)
		var pieces []string
		for i := 0; i < 16; i += 2 {
			pieces = append(pieces, fmt.Sprintf("%x", int(b[i])<<8|int(b[i+1])))
		}
		canonical := addr.String()
		if addr.Is4In6() {
			canonical = "::ffff:" + pieces[6] + ":" + pieces[7]
		}
		hosts = append(hosts, canonical, strings.Join(pieces, ":"), strings.ToUpper(canonical))
		// A run of zeros other than the first longest one compressed.
		for start := 0; start < 8; start++ {
			n := 0
			for start+n < 8 && pieces[start+n] == "0" {
				n++
			}
			if n >= 1 {
				hosts = append(hosts, strings.Join(pieces[:start], ":")+"::"+strings.Join(pieces[start+n:], ":"))
			}
		}
	}
	const alphabet = "0123456789abcdef:."
	for range 200 {
		b := make([]byte, 1+rng.IntN(14))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		hosts = append(hosts, string(b))
	}
	var origins []string
	for i, h := range hosts {
		origin := "https://[" + h + "]"
		if i%3 == 1 {
			origin = "http://[" + h + "]:3000"
		}
		origins = append(origins, origin)
	}
	compared, valid := compareOrigins(t, p, origins, "PUT")
	if valid < 100 || valid > len(hosts)-100 {
		t.Errorf("%d of %d origins are serialised: the sample does not try both sides", valid, len(hosts))
	}
	t.Logf("%d requests compared, %d of %d origins serialised", compared, valid, len(hosts))
}

// compareOrigins sends, for each origin, a GET and a preflight for method
// to nginx and to the Go middleware, and reports every difference; it
// returns the requests compared and how many of the origins Lookup
// accepts.
func compareOrigins(t *testing.T, p *pair, origins []string, method string) (compared, valid int) {
	t.Helper()
	for _, origin := range origins {
		if _, ok := p.table.Lookup(origin); ok {
			valid++
		}
		for _, probe := range []corstest.Probe{
			{Method: "GET", Target: "/", Header: [][2]string{{"Origin", origin}}},
			{Method: "OPTIONS", Target: "/", Header: [][2]string{{"Origin", origin}, {"Access-Control-Request-Method", method}}},
		} {
			got, err := send(p.nginx, probe)
			if err != nil {
				t.Fatalf("%q: nginx: %v", origin, err)
			}
			want, err := send(p.goAddr, probe)
			if err != nil {
				t.Fatalf("%q: Go: %v", origin, err)
			}
			compared++
			if !got.equal(want) {
				t.Errorf("%s Origin %q:\nnginx %s\nGo    %s", probe.Method, origin, got, want)
			}
		}
	}
	return compared, valid
}
