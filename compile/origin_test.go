package compile

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in, want string // want: the normalised pattern, or "error@OFFSET: substring"
	}{
		{"https://app.example.com", "https://app.example.com"},
		{"HTTPS://App.Example.COM", "https://app.example.com"},
		{"https://app.example.com:443", "https://app.example.com"},
		{"http://app.example.com:80", "http://app.example.com"},
		{"https://app.example.com:80", "https://app.example.com:80"},
		{"http://localhost:*", "http://localhost:*"},
		{"https://*.example.com", "https://*.example.com"},
		{"https://*.*.example.com", "error@10: leftmost whole label"},
		{"https://*.example.com:*", "https://*.example.com:*"},
		{"https://bücher.example", "https://xn--bcher-kva.example"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"http://[0:0:0:0:0:0:0:1]", "http://[::1]"},
		{"http://127.1", "error@7: not an IPv4 address"},
		{"http://*.0.0.1", "error@7: wildcard cannot stand in an IP"},
		// Full-width digits and dots are mapped to ASCII by UTS 46 as a
		// browser maps them: the address is judged after the mapping.
		{"https://*.１０.０.０.１", "error@8: wildcard cannot stand in an IP"},
		{"https://*.a.１０", "error@8: wildcard cannot stand in an IP"},
		{"https://１２７.１", "error@8: not an IPv4 address"},
		{"https://１０.０.０.１", "https://10.0.0.1"},
		{"https://10。0。0。1:8443", "https://10.0.0.1:8443"},
		{"https://a.１０", "error@8: not an IPv4 address"},
		{"https://*example.com", "error@8: leftmost whole label"},
		{"https://example.*", "error@16: leftmost whole label"},
		{"https://*", "error@8: leftmost whole label"},
		{"https://app.example.com/", "error@23: trailing slash"},
		{"https://app.example.com/api", "error@23: no path"},
		{"https://app.example.com?x", "error@23: no query"},
		{"https://app.example.com#x", "error@23: no fragment"},
		{"https://user@app.example.com", "error@8: user information"},
		{"ftp://app.example.com", "error@0: http or https"},
		{"app.example.com", "error@0: missing scheme"},
		{"https://app.example.com:0", "error@24: 1 to 65535"},
		{"https://app.example.com:65536", "error@24: 1 to 65535"},
		{"https://app.example.com:080", "error@24: leading zeros"},
		{"https://app.example.com:x", "error@24: not a number"},
		{"https://app.example.com:", "error@24: missing port"},
		{"https://app.example.com.", "error@23: trailing dot"},
		{"https://a..example.com", "error@8: invalid host name"},
		{"https://a_b.example.com", "https://a_b.example.com"},
		{"https://A_B.example.com", "https://a_b.example.com"},
		{"https://-a.example.com", "https://-a.example.com"},
		{"https://ab--c.example.com", "https://ab--c.example.com"},
		{"https://xn--f.example.com", "error@8: invalid host name"},
		{"https://*.xn--f.example.com", "error@10: invalid host name"},
		{"https://xn--bcher-kva.example.com", "https://xn--bcher-kva.example.com"},
		{"https://bücher.example.com", "https://xn--bcher-kva.example.com"},
		{"https://a!b.example.com", "error@8: not allowed in a host"},
		{"null", "error@0: keyword null"},
		{"*", "error@0: keyword any"},
		{"", "error@0: empty"},
		{"https://app .example.com", "error@11: space"},
		{"http://[::1", "error@7: closing ]"},
		{"http://[fe80::1%25eth0]", "error@8: not an IPv6 address"},
		// IPv4-mapped: browsers keep it an IPv6 address and send it in hex.
		{"http://[::ffff:127.0.0.1]", "http://[::ffff:7f00:1]"},
		{"http://[::ffff:7f00:1]", "http://[::ffff:7f00:1]"},
		{"https://[::FFFF:1.2.3.4]:8443", "https://[::ffff:102:304]:8443"},
		{"https://[0:0:0:0:0:ffff:0102:0304]", "https://[::ffff:102:304]"},
	}
	for _, tt := range tests {
		p, err := ParsePattern(tt.in)
		var got string
		if err != nil {
			got = "error@" + strconv.Itoa(err.Offset) + ": " + err.Msg
		} else {
			got = p.String()
		}
		if strings.HasPrefix(tt.want, "error@") {
			at, sub, _ := strings.Cut(tt.want, ": ")
			if !strings.HasPrefix(got, at+": ") || !strings.Contains(got, sub) {
				t.Errorf("ParsePattern(%q) = %s; want %s", tt.in, got, tt.want)
			}
		} else if got != tt.want {
			t.Errorf("ParsePattern(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}

// TestPlainHost holds ParsePattern's shortcut to what it stands for: a host
// plainHost accepts is one IDNA maps to itself without error, so skipping
// the conversion changes nothing.
func TestPlainHost(t *testing.T) {
	hosts := []string{"a", "example.com", "a-.b", "-a.b", "ab--c.d", "a_b.example.com", "_.x", "1.2.3.a",
		strings.Repeat("a", 63) + ".com", strings.Repeat("a", 64) + ".com",
		strings.Repeat("a.", 126) + "a", strings.Repeat("a.", 126) + "ab", "xn--bcher-kva.example", "a..b", ".a", "a."}
	rng := rand.New(rand.NewPCG(3, 4))
	const alphabet = "abxyz0129-_."
	for range 20000 {
		b := make([]byte, 1+rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		hosts = append(hosts, string(b))
	}
	for _, h := range hosts {
		if !plainHost(h) {
			continue
		}
		if ascii, err := idnaProfile.ToASCII(h); err != nil || ascii != h {
			t.Errorf("plainHost(%q), but IDNA maps it to %q, %v", h, ascii, err)
		}
	}
}

// TestParsePatternIPv6Serialised holds the compiler to the one form in
// which a browser sends an IPv6 address, whatever form a pattern writes it
// in: a pattern normalised to another form would match no request.
func TestParsePatternIPv6Serialised(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		var b [16]byte
		for i := 0; i < 16; i += 2 {
			if rng.IntN(2) == 0 {
				b[i], b[i+1] = byte(rng.IntN(2)), byte(rng.IntN(256))
			}
		}
		if rng.IntN(4) == 0 { // IPv4-mapped
			b = [16]byte{10: 0xff, 11: 0xff, 12: b[12], 13: b[13], 14: b[14], 15: b[15]}
		}
		addr := netip.AddrFrom16(b)
		for _, written := range []string{addr.String(), addr.StringExpanded()} {
			p, err := ParsePattern("https://[" + written + "]")
			if err != nil {
				t.Fatalf("ParsePattern refuses [%s]: %s", written, err.Msg)
			}
			if !serialisedIPv6(strings.Trim(p.Host, "[]")) {
				t.Fatalf("ParsePattern normalises [%s] to %s, which no browser sends", written, p.Host)
			}
			if got, _ := netip.ParseAddr(strings.Trim(p.Host, "[]")); got != addr {
				t.Fatalf("ParsePattern normalises [%s] to another address, %s", written, p.Host)
			}
		}
	}
}

// TestIsLocalIPv4InIPv6: an IPv6 address that maps an IPv4 one, or carries
// it to a translator or a tunnel (NAT64's well-known prefix, the deprecated
// IPv4-compatible form), reaches that IPv4 address, so a loopback or
// private one is as local as the dotted form; and NAT64's local-use prefix
// is not reachable across the internet at all (RFC 8215).
func TestIsLocalIPv4InIPv6(t *testing.T) {
	for text, want := range map[string]bool{
		"https://[::ffff:127.0.0.1]":   true,
		"https://[::ffff:10.0.0.1]":    true,
		"https://[::ffff:0.0.0.0]":     true,
		"https://[::ffff:8.8.8.8]":     false,
		"https://[::10.0.0.1]":         true,
		"https://[::192.168.1.1]":      true,
		"https://[::8.8.8.8]":          false,
		"https://[64:ff9b::10.0.0.1]":  true,
		"https://[64:ff9b::127.0.0.1]": true,
		"https://[64:ff9b::8.8.8.8]":   false,
		"https://[64:ff9b:1::8.8.8.8]": true,
		"https://[2001:db8::a00:1]":    false, // the IPv4 bits of another prefix say nothing
	} {
		p, err := ParsePattern(text)
		if err != nil {
			t.Fatalf("ParsePattern(%q): %s", text, err.Msg)
		}
		if p.IsLocal() != want {
			t.Errorf("%s (%s): IsLocal %v, want %v", text, p, p.IsLocal(), want)
		}
	}
}
