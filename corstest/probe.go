package corstest

import (
	"net/url"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/region"
)

// Probe is one request as it goes on the wire: a request line and header
// lines, in order, exactly as sent. Probe sets drive tests that hold
// another server (an nginx exported from the policy, say) to the engine:
// both get the same bytes, and neither a client library nor a proxy
// normalises them on the way.
type Probe struct {
	Name   string      // what the probe exercises, for reports
	Method string      // as sent
	Target string      // the request target as sent: the path, escapes and all
	Header [][2]string // header lines, names and values as sent
}

// Raw returns the probe as HTTP/1.1 bytes for host, closing the connection
// after the response. Values are written as they are, CR, LF and NUL
// included, so that hostile probes reach the server as written.
func (p Probe) Raw(host string) []byte {
	var b strings.Builder
	b.WriteString(p.Method + " " + p.Target + " HTTP/1.1\r\nHost: " + host + "\r\n")
	for _, h := range p.Header {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("Connection: close\r\n\r\n")
	return []byte(b.String())
}

// With returns a copy of p with the header line added.
func (p Probe) With(name, value string) Probe {
	p.Header = append(slices.Clip(p.Header), [2]string{name, value})
	return p
}

// FixtureProbes returns the requests of the suite's cases, one per case and
// per origin of a table case: the path escaped so that the server decodes
// it to the path the case names, as the fixture runner judges it.
func (s *Suite) FixtureProbes() []Probe {
	var out []Probe
	for _, c := range s.Fixtures.Cases {
		origins := []string{""}
		for _, h := range c.Headers {
			if h.Name == lang.TableKeyword {
				origins = origins[:0]
				for _, v := range h.Values {
					origins = append(origins, v.Value)
				}
			}
		}
		for _, origin := range origins {
			p := Probe{Name: s.FixtureFile + ": " + c.Name.Value, Method: c.Request.Method,
				Target: (&url.URL{Path: c.Request.Path.Value}).EscapedPath()}
			if origin != "" {
				p.Name += "/" + origin
			}
			originSet := false
			for _, h := range c.Headers {
				if h.Name == lang.TableKeyword {
					continue
				}
				for _, v := range h.Values {
					if h.HeaderName() == "Origin" && origin != "" {
						// The table's origin takes its place, as the
						// runner's Header.Set does.
						if !originSet {
							p.Header = append(p.Header, [2]string{"Origin", origin})
							originSet = true
						}
						continue
					}
					p.Header = append(p.Header, [2]string{h.HeaderName(), v.Value})
				}
			}
			if origin != "" && !originSet {
				p.Header = append(p.Header, [2]string{"Origin", origin})
			}
			out = append(out, p)
		}
	}
	return out
}

// RegionProbes returns a witness request for every decision region of the
// table, in a stable order: from each origin class's witness (null and an
// origin no pattern names among them) and without Origin; on every path the
// rules name, made concrete ("*" and "**" become "x"), and on "/"; with
// every method the rules name and the common ones; as actual requests with
// and without a Cookie, and as preflights asking for no header, each header
// a rule names, an ungranted one and Authorization, with and without
// private network access. Methods outside upper-case letters, "_" and "-"
// are asked for in preflights only: some servers refuse such a request line
// before any configuration runs.
func RegionProbes(t *compile.Table) []Probe {
	var origins, paths, methods, headers []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	for _, c := range t.Classes() {
		add(&origins, c.Witness)
	}
	add(&origins, "null")
	add(&paths, "/")
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} {
		add(&methods, m)
	}
	for _, r := range t.Rules {
		for _, p := range r.Paths {
			add(&paths, region.ConcretePath(p.Text))
		}
		for _, m := range r.Methods {
			add(&methods, m)
		}
		for _, h := range r.Headers {
			add(&headers, h)
		}
	}
	headers = append(headers, "x-ungranted", "authorization")
	var out []Probe
	for _, path := range paths {
		for _, m := range methods {
			if plainMethod(m) {
				out = append(out, Probe{Name: "no Origin " + m + " " + path, Method: m, Target: path})
			}
		}
	}
	for _, o := range origins {
		for _, path := range paths {
			for _, m := range methods {
				base := Probe{Name: o + " " + m + " " + path, Method: m, Target: path, Header: [][2]string{{"Origin", o}}}
				if plainMethod(m) {
					out = append(out, base, base.With("Cookie", "session=1"))
				}
				pre := Probe{Name: o + " preflight " + m + " " + path, Method: "OPTIONS", Target: path,
					Header: [][2]string{{"Origin", o}, {"Access-Control-Request-Method", m}}}
				for _, h := range append([]string{""}, headers...) {
					p := pre
					if h != "" {
						p = p.With("Access-Control-Request-Headers", h)
					}
					out = append(out, p, p.With("Access-Control-Request-Private-Network", "true"))
				}
			}
		}
	}
	return out
}

// plainMethod reports whether m is upper-case letters, "_" and "-", the
// methods every HTTP server reads.
func plainMethod(m string) bool {
	if m == "" || m == "TRACE" || m == "CONNECT" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; !(c >= 'A' && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// HostileProbes returns requests built to break a CORS implementation, each
// from an origin the table allows somewhere (its first class's witness) or
// aimed at it: a 64 KiB Origin; ten thousand requested header names, and
// the bounds of the requested headers one past each limit; CR, LF and NUL
// where a client can put them; two Origin lines; an upper-case scheme, a
// trailing slash, a default port, surrounding blanks and an empty Origin;
// several or malformed requested methods; paths that routers read in
// different ways, escaped and not; and hosts at the edges of SPEC.md's
// definition of a host (hostFronts) in front of each wildcard's base and
// of a host no pattern names.
func HostileProbes(t *compile.Table) []Probe {
	origin, path, method := "https://unlisted.example.invalid", "/", "GET"
	for _, c := range t.Classes() {
		if len(c.Cell.Allow) > 0 && !c.Cell.Allow[0].Any {
			origin = c.Witness
			r := c.Cell.Allow[0]
			if r.Paths != nil {
				path = region.ConcretePath(r.Paths[0].Text)
			}
			if len(r.Methods) > 0 {
				method = r.Methods[0]
			}
			break
		}
	}
	names := func(n int, prefix string) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(prefix + strings.Repeat("x", 3) + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)))
		}
		return b.String()
	}
	actual := func(name string, header ...[2]string) Probe {
		return Probe{Name: name, Method: method, Target: path, Header: header}
	}
	preflight := func(name string, header ...[2]string) Probe {
		return Probe{Name: name + " (preflight)", Method: "OPTIONS", Target: path,
			Header: append([][2]string{{"Access-Control-Request-Method", method}}, header...)}
	}
	o := func(v string) [2]string { return [2]string{"Origin", v} }
	h := func(n, v string) [2]string { return [2]string{n, v} }
	var out []Probe
	both := func(name string, header ...[2]string) {
		out = append(out, actual(name, header...), preflight(name, header...))
	}
	both("allowed origin", o(origin))
	both("64 KiB Origin", o(origin+strings.Repeat("a", 64<<10)))
	both("64 KiB Origin of dots", o("https://"+strings.Repeat(".", 64<<10)))
	both("two Origin lines", o(origin), o(origin))
	both("two Origin lines, null second", o(origin), o("null"))
	both("empty Origin", o(""))
	both("upper-case scheme", o(strings.Replace(origin, "http", "HTTP", 1)))
	both("upper-case host", o(strings.ToUpper(origin)))
	both("trailing slash", o(origin+"/"))
	both("default port", o(origin+":443"))
	both("default port http", o(strings.Replace(origin, "https://", "http://", 1)+":80"))
	both("leading zero port", o(origin+":0443"))
	both("port out of range", o(origin+":65536"))
	both("blanks around Origin", o(" \t"+origin+"\t "))
	both("NUL in Origin", o(origin+"\x00"))
	both("bare CR in Origin", o(origin+"\rX"))
	both("LF ending Origin", o(origin+"\nX-Injected: 1"))
	both("byte 0xff in Origin", o(origin+"\xff"))
	both("NULL", o("NULL"))
	both("null", o("null"))
	both("IPv6 literal", o("https://[::1]"))
	both("bad IPv6 literal", o("https://[::g]"))
	both("long IPv6 literal", o("https://["+strings.Repeat(":", 250)+"]"))
	both("host of 254 bytes", o("https://"+strings.Repeat("a.", 126)+"ab"))
	both("label of 64 bytes", o("https://"+strings.Repeat("a", 64)+".example.com"))
	both("underscore in a label", o("https://a_b.example.com"))
	both("trailing dot", o(origin+"."))
	both("userinfo", o("https://user@"+strings.TrimPrefix(origin, "https://")))
	both("Cookie", o(origin), h("Cookie", "session=1"))
	both("empty Cookie", o(origin), h("Cookie", ""))
	out = append(out,
		preflight("ten thousand requested headers", o(origin), h("Access-Control-Request-Headers", names(10000, "x-"))),
		preflight("65 requested headers", o(origin), h("Access-Control-Request-Headers", names(65, "x-"))),
		preflight("4097 bytes of requested headers", o(origin), h("Access-Control-Request-Headers", strings.Repeat(",", 4097))),
		preflight("4096 bytes of requested headers", o(origin), h("Access-Control-Request-Headers", strings.Repeat(",", 4096))),
		preflight("a requested header that is not a token", o(origin), h("Access-Control-Request-Headers", "x a")),
		preflight("a requested header with a byte 0xff", o(origin), h("Access-Control-Request-Headers", "x-\xff")),
		preflight("NUL in requested headers", o(origin), h("Access-Control-Request-Headers", "x\x00")),
		preflight("Authorization in upper case", o(origin), h("Access-Control-Request-Headers", "AUTHORIZATION")),
		preflight("empty requested headers", o(origin), h("Access-Control-Request-Headers", "")),
		preflight("requested headers over three lines", o(origin), h("Access-Control-Request-Headers", "X-Request-Id"),
			h("Access-Control-Request-Headers", " , "), h("Access-Control-Request-Headers", "content-type ,\tX-Csrf-Token")),
		preflight("commas and blanks", o(origin), h("Access-Control-Request-Headers", " , ,\t,")),
		preflight("private network TRUE", o(origin), h("Access-Control-Request-Private-Network", "TRUE")),
		preflight("private network twice", o(origin), h("Access-Control-Request-Private-Network", "false"), h("Access-Control-Request-Private-Network", "true")),
		Probe{Name: "65 lines of requested headers (preflight)", Method: "OPTIONS", Target: path,
			Header: append([][2]string{o(origin), {"Access-Control-Request-Method", method}}, repeatLine("Access-Control-Request-Headers", "", 65)...)},
		Probe{Name: "two requested methods", Method: "OPTIONS", Target: path,
			Header: [][2]string{o(origin), {"Access-Control-Request-Method", method}, {"Access-Control-Request-Method", method}}},
		Probe{Name: "empty requested method", Method: "OPTIONS", Target: path,
			Header: [][2]string{o(origin), {"Access-Control-Request-Method", ""}}},
		Probe{Name: "lower-case requested method", Method: "OPTIONS", Target: path,
			Header: [][2]string{o(origin), {"Access-Control-Request-Method", strings.ToLower(method)}}},
		Probe{Name: "65-byte requested method", Method: "OPTIONS", Target: path,
			Header: [][2]string{o(origin), {"Access-Control-Request-Method", strings.Repeat("A", 65)}}},
		Probe{Name: "requested method that is not a token", Method: "OPTIONS", Target: path,
			Header: [][2]string{o(origin), {"Access-Control-Request-Method", "GE T"}}},
		Probe{Name: "OPTIONS without a requested method", Method: "OPTIONS", Target: path, Header: [][2]string{o(origin)}},
	)
	for _, c := range t.Classes() {
		scheme, rest, _ := strings.Cut(c.Witness, "://")
		var base string
		switch {
		case strings.HasPrefix(rest, "witness."):
			base = strings.TrimPrefix(rest, "witness.") // below a wildcard's base
		case strings.HasPrefix(rest, "unlisted."):
			base = strings.TrimPrefix(rest, "unlisted.") // no pattern names it
		default:
			continue
		}
		p, m := "/", "GET"
		if len(c.Cell.Allow) > 0 {
			r := c.Cell.Allow[0]
			if r.Paths != nil {
				p = region.ConcretePath(r.Paths[0].Text)
			}
			if len(r.Methods) > 0 && plainMethod(r.Methods[0]) {
				m = r.Methods[0]
			}
		}
		for _, front := range hostFronts {
			origin := scheme + "://" + front + "." + base
			out = append(out, Probe{Name: "host " + origin, Method: m, Target: p, Header: [][2]string{o(origin)}},
				Probe{Name: "host " + origin + " (preflight)", Method: "OPTIONS", Target: p,
					Header: [][2]string{o(origin), {"Access-Control-Request-Method", m}}})
		}
	}
	for _, target := range []string{
		path + "/../x", path + "/%2e%2E/x", path + "/.%2e", path + "/./x", path + "%2Fx", path + "%2fx", path + "%5Cx",
		"/../" + strings.TrimPrefix(path, "/"), "/%2e%2e" + path,
		path + "%252Fx", path + "%25%32%66x", path + "\\x", "/" + escapeAll(strings.TrimPrefix(path, "/")), path + "//x",
		path + ";x", path + "?a=/../b", path + "#x", "//" + strings.TrimPrefix(path, "/"), "http://service.test" + path,
		"http://service.test?x", path + "/%C3%A9", path + "/%20x",
	} {
		out = append(out, Probe{Name: "path " + target, Method: method, Target: target, Header: [][2]string{o(origin)}},
			Probe{Name: "path " + target + " (preflight)", Method: "OPTIONS", Target: target,
				Header: [][2]string{o(origin), {"Access-Control-Request-Method", method}}},
			Probe{Name: "path " + target + " without Origin", Method: method, Target: target})
	}
	return out
}

// hostFronts are labels to put in front of a name, at the edges of
// SPEC.md's definition of a host: underscores and hyphens where DNS names
// have none, labels of 63 and 64 bytes, and labels that start with xn--,
// punycode UTS 46 accepts (bücher, 💩, a virama before a zero-width
// non-joiner, right-to-left labels, alone and with a digit or a letter in
// front) and punycode it refuses (not decoding; "a" and a combining acute,
// not in NFC; the acute first; a zero-width non-joiner after a letter;
// Hangul jamo that compose).
var hostFronts = []string{"a_b", "_", "-a", "a-", "ab--c", strings.Repeat("a", 63), strings.Repeat("a", 64),
	"xn--bcher-kva", "a.xn--bcher-kva", "xn--ls8h", "xn--f", "xn--", "xn-a", "XN--bcher-kva",
	"xn--11b6iv14e", "xn--4db", "0.xn--4db", "a.xn--ngb6i", "xn--a-xbb", "xn--a-wbb", "xn--a-sgn", "xn--ypd8q"}

func repeatLine(name, value string, n int) [][2]string {
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{name, value}
	}
	return out
}

// escapeAll percent-escapes every byte of s but "/".
func escapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			b.WriteByte('/')
			continue
		}
		b.WriteString("%" + strings.ToUpper(hex2(s[i])))
	}
	return b.String()
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}
