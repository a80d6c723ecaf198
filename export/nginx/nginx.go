// Package nginx translates a compiled policy into nginx configuration that
// answers CORS as the engine does, so that a gateway can serve the same
// reviewed .cors file as a Go service: corsfmt export -format nginx.
//
// The configuration is included in nginx's http block. It holds a server
// block with one location that owns every request: preflights are answered
// there and never passed on, and every other request is passed to the
// upstream, its CORS headers added with always (so error responses carry
// them too) beside the upstream's own Vary, whose Access-Control-* headers
// are hidden. The decision is a chain of map blocks over the request: the
// path as sent ($request_uri, never nginx's normalised $uri), the origin
// class, one bit per allow rule that grants the whole request on its own,
// and the grant of the rules that do, each response header a precomputed
// value. What nginx 1.22 cannot read from its variables, the header lines
// as received (several Origin lines, an empty one, several
// Access-Control-Request-Headers lines), a fixed njs module reads (Module);
// it knows nothing of the policy.
//
// Config refuses, with the position of the construct, what nginx cannot
// carry exactly; it never approximates. SPEC.md, "Export to nginx", lists
// what it refuses and why.
package nginx

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

//go:embed cors_request.js
var module []byte

// ModuleName is the file name under which the configuration expects the
// njs module, beside itself unless Options.Module says otherwise.
const ModuleName = "cors_request.js"

// Module returns the njs module that reads the request header lines; it is
// the same for every policy.
func Module() []byte { return slices.Clone(module) }

// CodeRefused is the code of the errors Config returns for a construct nginx
// cannot carry exactly.
const CodeRefused = "E001"

// MaxCellRules is the most allow rules and method-scoped deny rules
// together that may match one origin class: the configuration lists the
// answer of every combination of them, 2^6 at most per class.
const MaxCellRules = 6

// Options says where the configuration listens and what it answers for.
type Options struct {
	// Upstream is the URL requests that are not preflights are passed
	// to, such as http://127.0.0.1:8080: a scheme, a host and a port,
	// no path (nginx would then pass its normalised path, not the one
	// the policy judged).
	Upstream string
	// Listen holds the values of the server's listen directives, such
	// as "127.0.0.1:8081" or "443 ssl"; at least one.
	Listen []string
	// Module is the path of the njs module in js_import; "" means
	// ModuleName, which nginx resolves beside its main configuration file.
	Module string
	// Source names what the configuration was generated from, for its
	// header comment: the file, profile and policy. It is quoted there
	// when it holds a control character, a line break above all.
	Source string
}

// Config returns the nginx configuration for the policy in t. On a
// construct nginx cannot carry exactly it returns a lang.ErrorList, one
// error per construct, with positions; on bad options, a plain error.
func Config(t *compile.Table, opts Options) ([]byte, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	if errs := Refusals(t); len(errs) > 0 {
		return nil, errs
	}
	g := newGenerator(t, opts)
	g.write()
	if g.err != nil {
		return nil, g.err
	}
	return []byte(g.b.String()), nil
}

var (
	upstreamSyntax = regexp.MustCompile(`^https?://(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$`)
	listenSyntax   = regexp.MustCompile(`^[A-Za-z0-9.:\[\]_= -]+$`)
)

func checkOptions(opts Options) error {
	if !upstreamSyntax.MatchString(opts.Upstream) {
		return fmt.Errorf("upstream %q: want scheme://host[:port] with no path, such as http://127.0.0.1:8080; with a path nginx would pass its normalised path, not the one the policy judged", opts.Upstream)
	}
	if len(opts.Listen) == 0 {
		return fmt.Errorf("no listen address")
	}
	for _, l := range opts.Listen {
		if !listenSyntax.MatchString(l) {
			return fmt.Errorf("listen %q: want an address and parameters, such as 127.0.0.1:8081 or \"443 ssl\"", l)
		}
	}
	if strings.ContainsAny(opts.Module, "\"\\;{}$\n\r\t ") {
		return fmt.Errorf("module path %q: quotes, backslashes, ;, {, }, $ and blanks are not allowed", opts.Module)
	}
	return nil
}

// nginxMethod is what nginx 1.22 reads as a method: any other request
// line is answered 400 before configuration is consulted.
var nginxMethod = regexp.MustCompile(`^[A-Z_-]+$`)

// Refusals returns the constructs of t that nginx cannot carry exactly,
// one error each, sorted by position; nil when there are none.
func Refusals(t *compile.Table) lang.ErrorList {
	var errs lang.ErrorList
	at := func(r *compile.Rule, key string) (lang.Position, lang.Position) {
		if n := r.At(key); n != nil {
			return n.Start(), n.End()
		}
		return r.Pos, r.Pos
	}
	for _, r := range t.Rules {
		if r.Effect != compile.Allow {
			continue
		}
		if r.AnyMethod {
			errs.Add(r.Pos, r.Pos, CodeRefused, "nginx export: methods any: nginx answers 400 or 405 to some methods before any configuration runs (lower case, digits, TRACE, CONNECT), so it cannot carry every method the rule grants; list the methods")
		}
		// TRACE and CONNECT, which nginx answers 405 before any
		// configuration runs, never get here: the compiler refuses
		// them (S107).
		for _, m := range r.Methods {
			if !nginxMethod.MatchString(m) {
				pos, end := at(r, "method "+m)
				errs.Add(pos, end, CodeRefused, "nginx export: method %q: nginx answers 400 to a request whose method is not upper-case letters, _ and -, so it cannot carry what the rule grants", m)
			}
		}
	}
	for _, c := range cells(t) {
		if n := len(c.Allow) + len(c.Scoped); n > MaxCellRules {
			errs.Add(t.Pos, t.Pos, CodeRefused, "nginx export: policy %s: %d allow rules and method-scoped deny rules match the origins %s; the configuration lists the answer of every combination of them and stops at %d: merge rules that grant the same, or split the policy",
				t.Name, n, c.Origins, MaxCellRules)
		}
	}
	errs.Sort()
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// cells returns every cell an origin can lead to, each once, in a stable
// order: the regions', then null's, then the public one's.
func cells(t *compile.Table) []*compile.Cell {
	var out []*compile.Cell
	add := func(c *compile.Cell) {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, r := range t.OriginRegions() {
		add(r.Cell)
	}
	add(t.NullCell())
	add(t.Public())
	return out
}

// generator writes the configuration of one table.
type generator struct {
	t    *compile.Table
	opts Options
	b    strings.Builder
	v    string // the prefix of every variable, unique per policy

	cells   []*compile.Cell
	cellID  map[*compile.Cell]string
	allow   []*compile.Rule // every allow rule, one bit each
	scoped  []*compile.Rule // every method-scoped deny rule, one bit each
	paths   []string        // the distinct path patterns, one bit each
	headers []headerSet     // the distinct header grants, one check each
	grants  []*compile.Grant
	dollar  bool // a value holds "$", written through a geo variable
	err     error
}

// headerSet is what a rule grants of request headers.
type headerSet struct {
	names []string
	any   bool
}

func newGenerator(t *compile.Table, opts Options) *generator {
	g := &generator{t: t, opts: opts, cellID: map[*compile.Cell]string{}}
	g.v = "cors_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, t.Name) + "_"
	g.cells = cells(t)
	for i, c := range g.cells {
		g.cellID[c] = "c" + strconv.Itoa(i)
	}
	for _, r := range t.Rules {
		if r.Effect == compile.Allow {
			g.allow = append(g.allow, r)
			hs := headerSet{names: r.Headers, any: r.AnyHeader}
			if !slices.ContainsFunc(g.headers, func(x headerSet) bool { return x.any == hs.any && slices.Equal(x.names, hs.names) }) {
				g.headers = append(g.headers, hs)
			}
		} else if r.Methods != nil && !r.AnyMethod {
			g.scoped = append(g.scoped, r)
		}
		for _, p := range r.Paths {
			if !slices.Contains(g.paths, p.Text) {
				g.paths = append(g.paths, p.Text)
			}
		}
	}
	_, specific := t.OriginDependentPaths()
	for _, p := range specific {
		if !slices.Contains(g.paths, p.Text) {
			g.paths = append(g.paths, p.Text)
		}
	}
	return g
}

func (g *generator) line(format string, args ...any) {
	fmt.Fprintf(&g.b, format, args...)
	g.b.WriteByte('\n')
}

// name returns the variable of the given suffix, with its $.
func (g *generator) name(suffix string) string { return "$" + g.v + suffix }

func (g *generator) write() {
	src := g.opts.Source
	if src == "" {
		src = "policy " + g.t.Name
	}
	if strings.ContainsFunc(src, unicode.IsControl) {
		// A file name may hold a line break, which would end the
		// comment and make the rest of the name configuration.
		src = strconv.Quote(src)
	}
	g.line("# CORS for %s, generated by corsfmt export -format nginx. Do not edit: change", src)
	g.line("# the policy and export it again. Include this file in the http block; it")
	g.line("# needs the njs module (Debian: libnginx-mod-http-js, loaded with load_module)")
	g.line("# and %s. SPEC.md, \"Export to nginx\", says how it answers.", ModuleName)
	g.line("")
	g.requestFacts()
	g.pathMaps()
	g.originMaps()
	g.ruleMaps()
	g.grantMaps()
	g.publicMaps()
	g.answerMaps()
	if g.dollar {
		g.line("# A literal $ in a header value; map values would read it as a variable.")
		g.line("geo %s {", g.name("dollar"))
		g.line("    default \"$\";")
		g.line("}")
		g.line("")
	}
	g.server()
}

// requestFacts imports the njs functions that read the header lines.
func (g *generator) requestFacts() {
	mod := g.opts.Module
	if mod == "" {
		mod = ModuleName
	}
	g.line("# The request's header lines as received (cors_request.js): the kind of request")
	g.line("# (n: no Origin, p: preflight, a: another CORS request), the Origin and")
	g.line("# Access-Control-Request-Method values when there is exactly one line, the")
	g.line("# requested header names (lower case, each followed by a comma; \"/\" when no rule")
	g.line("# can grant them), whether a Cookie line is there, and the private network request.")
	g.line("js_import %srequest from %s;", g.v, mod)
	for _, f := range [][2]string{{"kind", "kind"}, {"origin", "origin"}, {"acrm", "requestMethod"},
		{"acrh", "requestHeaders"}, {"acrh_lines", "requestHeaderLines"}, {"acrh_echo", "requestHeadersEcho"},
		{"cookie", "cookie"}, {"pna", "privateNetwork"}} {
		g.line("js_set %s %srequest.%s;", g.name(f[0]), g.v, f[1])
	}
	g.line("")
	g.line("# The method the request asks for: a preflight's requested one, or its own.")
	g.line("map %s %s {", g.name("kind"), g.name("method"))
	g.line("    p %s;", g.name("acrm"))
	g.line("    default $request_method;")
	g.line("}")
	g.line("")
	g.line("# 1 when the requested method is a token of at most 64 bytes.")
	g.line("map %s %s {", g.name("acrm"), g.name("acrm_ok"))
	g.line("    \"~^%s{1,64}$\" 1;", tcharClass)
	g.line("    default 0;")
	g.line("}")
	g.line("")
}

// tcharClass is a regular expression class of the bytes of a token.
const tcharClass = `[\x21\x23-\x27\x2a\x2b\x2d\x2e\x30-\x39\x41-\x5a\x5e-\x7a\x7c\x7e]`

// pathMaps writes the path as sent, whether it can be judged, and one bit
// per path pattern.
func (g *generator) pathMaps() {
	g.line("# The path as sent, before any \"?\"; \"/\" for an absolute-form target without one.")
	g.line("map $request_uri %s {", g.name("path"))
	g.line("    \"~^(?<%sp>[^?]+)\" $%sp;", g.v, g.v)
	g.line("    default \"/\";")
	g.line("}")
	g.line("")
	g.line("# 0 when routers read the path in different ways: a dot segment (escaped too),")
	g.line("# a backslash, an escaped slash or backslash, or no leading slash.")
	g.line("map %s %s {", g.name("path"), g.name("path_ok"))
	g.line(`    "~/(?:\.|%%2[eE]){1,2}(?:/|$)" 0;`)
	g.line(`    "~\x5c|%%5[cC]|%%2[fF]" 0;`)
	g.line("    # The text %%2F or %%5C once escapes are decoded: the engine reads it as one too.")
	g.line(`    "~%%25(?:2|%%32)(?:[Ff]|%%46|%%66)|%%25(?:5|%%35)(?:[Cc]|%%43|%%63)" 0;`)
	g.line(`    "~^/" 1;`)
	g.line("    default 0;")
	g.line("}")
	g.line("")
	for i, p := range g.paths {
		g.line("# Path pattern %s, over the path as sent, escapes decoded.", p)
		g.line("map %s %s {", g.name("path"), g.name("p"+strconv.Itoa(i)))
		g.line("    \"~%s\" 1;", PathRegexp(p))
		g.line("    default 0;")
		g.line("}")
		g.line("")
	}
}

// pathBits is the string of path pattern bits, in order.
func (g *generator) pathBits() string {
	var b strings.Builder
	b.WriteString("P")
	for i := range g.paths {
		b.WriteString(g.name("p" + strconv.Itoa(i)))
	}
	return b.String()
}

// pathsMatch returns a regular expression over the path bits that holds
// when one of the patterns matches; every path for nil.
func (g *generator) pathsMatch(patterns []*compile.PathPattern) string {
	n := len(g.paths)
	if patterns == nil {
		return "P[01]{" + strconv.Itoa(n) + "}"
	}
	var alts []string
	for _, p := range patterns {
		k := slices.Index(g.paths, p.Text)
		alts = append(alts, fmt.Sprintf("[01]{%d}1[01]{%d}", k, n-k-1))
	}
	slices.Sort(alts)
	return "P(?:" + strings.Join(slices.Compact(alts), "|") + ")"
}

// PathRegexp returns an anchored regular expression, in the syntax PCRE
// and Go share, that matches a path as sent (escapes not decoded, no
// query) exactly when the pattern matches it decoded, for paths that hold
// no escaped slash: each byte of the pattern matches itself or its escape,
// and "*" a run of bytes and whole escapes that holds no "/".
func PathRegexp(pattern string) string {
	segs := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	const segByte = `(?:[^/%]|%[0-9A-Fa-f]{2})`
	var b strings.Builder
	b.WriteString("^")
	for _, s := range segs {
		if s == "**" {
			b.WriteString("(?:/" + segByte + "*)*")
			continue
		}
		b.WriteString("/")
		for i := 0; i < len(s); i++ {
			if s[i] == '*' {
				b.WriteString(segByte + "*")
				continue
			}
			b.WriteString(escapedByte(s[i]))
		}
	}
	b.WriteString("$")
	return b.String()
}

// escapedByte returns a regular expression that matches c as sent in a
// path: itself, or its percent escape in either case.
func escapedByte(c byte) string {
	if c == '%' {
		return "%25"
	}
	hex := fmt.Sprintf("%02X", c)
	esc := "%" + hexClass(hex[0]) + hexClass(hex[1])
	return "(?:" + literalByte(c) + "|" + esc + ")"
}

func hexClass(d byte) string {
	if d >= 'A' && d <= 'F' {
		return "[" + string(d) + string(d+'a'-'A') + "]"
	}
	return string(d)
}

// literalByte returns a regular expression for the byte c itself: letters
// and digits as they are, every other byte as \xHH, which neither nginx's
// configuration parser nor the regular expression reads as anything else.
func literalByte(c byte) string {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return string(c)
	}
	return fmt.Sprintf(`\x%02x`, c)
}

// literal returns a regular expression for the string s itself.
func literal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteString(literalByte(s[i]))
	}
	return b.String()
}

// portNumber matches a port of 1 to 65535 without leading zeros.
const portNumber = `(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])`

// plainLabel matches a label of SPEC.md's definition of a host that does
// not start with "xn--": 1 to 63 bytes of lower-case letters, digits,
// hyphens and underscores. Go's regular expressions have no lookahead, so
// the four alternatives spell "not x", "x then not n", "xn then not -" and
// "xn- then not -".
const plainLabel = `(?:[a-wyz0-9_-][a-z0-9_-]{0,62}|x(?:[a-mo-z0-9_-][a-z0-9_-]{0,61})?|xn(?:[a-z0-9_][a-z0-9_-]{0,60})?|xn-(?:[a-z0-9_][a-z0-9_-]{0,59})?)`

// bidiLabel matches a plainLabel that the Bidi rule (RFC 5893) lets stand
// in a name with a right-to-left label: it starts with a letter and ends
// with a letter or a digit. The four alternatives are plainLabel's.
const bidiLabel = `(?:[a-wyz](?:[a-z0-9_-]{0,61}[a-z0-9])?|x(?:[a-mo-z0-9]|[a-mo-z0-9_-][a-z0-9_-]{0,60}[a-z0-9])?|xn(?:[a-z0-9]|[a-z0-9_][a-z0-9_-]{0,59}[a-z0-9])?|xn-(?:[a-z0-9]|[a-z0-9_][a-z0-9_-]{0,58}[a-z0-9]))`

// OriginSyntax returns, in order, the regular expressions that decide
// whether a value is a serialised origin for the configuration of t: the
// first that matches decides, with the verdict beside it, and a value none
// matches is not one. They are in the syntax PCRE and Go share.
//
// They accept what t.Lookup accepts, with one exception, in which they are
// stricter, never looser: an xn-- label must be punycode that UTS 46
// accepts and encodes back to itself, which Lookup decodes to check and
// nginx cannot. So a host label that starts with "xn--" is accepted only
// inside a name of t's regions (a host an origin pattern names, or one of
// its parents: exact origins, hosts and wildcard bases, whose labels the
// compiler checked), and refused anywhere else: in front of such a name,
// or in a host no pattern names. SPEC.md, "Export to nginx", says so.
func OriginSyntax(t *compile.Table) []OriginRule {
	var named, rtl []string
	for _, r := range t.OriginRegions() {
		switch {
		case !hasPunycodeLabel(r.Host) || slices.Contains(named, r.Host) || slices.Contains(rtl, r.Host):
		case compile.RightToLeft(r.Host):
			rtl = append(rtl, r.Host)
		default:
			named = append(named, r.Host)
		}
	}
	slices.Sort(named)
	slices.Sort(rtl)
	last := plainLabel
	if len(named) > 0 {
		alts := []string{plainLabel}
		for _, n := range named {
			alts = append(alts, literal(n))
		}
		last = "(?:" + strings.Join(alts, "|") + ")"
	}
	host := `(?:` + plainLabel + `\.)*` + last
	if len(rtl) > 0 {
		// A name with a right-to-left label binds every label in
		// front of it to the Bidi rule.
		var alts []string
		for _, n := range rtl {
			alts = append(alts, literal(n))
		}
		host += `|(?:` + bidiLabel + `\.)*(?:` + strings.Join(alts, "|") + `)`
	}
	host += `|\[[0-9a-f:.]*\]`
	return []OriginRule{
		{fmt.Sprintf("^.{%d}", compile.MaxOriginLength+1), false},
		{`^https?://[^:\[][^:]{253}`, false},
		{`^http://(?:[^:\[]*|\[[^\]]*\]):80$`, false},
		{`^https://(?:[^:\[]*|\[[^\]]*\]):443$`, false},
		{`^null$`, true},
		{`^https?://(?:` + host + `)(?::` + portNumber + `)?$`, true},
	}
}

// hasPunycodeLabel reports whether a host has a label that starts with
// "xn--".
func hasPunycodeLabel(host string) bool {
	return strings.HasPrefix(host, "xn--") || strings.Contains(host, ".xn--")
}

// OriginRule is one step of OriginSyntax.
type OriginRule struct {
	Regexp string
	Valid  bool
}

// originMaps writes the origin's validity and its class, the cell of the
// table it leads to.
func (g *generator) originMaps() {
	g.line("# 1 when the Origin is a serialised origin as browsers send it: lower case, no")
	g.line("# path, no default port, at most %d bytes. Anything else is never reflected.", compile.MaxOriginLength)
	g.line("# A label starting with xn-- is one only inside a name the policy lists: nginx")
	g.line("# cannot check punycode, so it refuses one the compiler has not checked. A host in")
	g.line("# brackets reaches this map only as an IPv6 address as browsers write it: the")
	g.line("# module's origin() reads any other as no origin.")
	g.line("map %s %s {", g.name("origin"), g.name("origin_ok"))
	for _, r := range OriginSyntax(g.t) {
		g.line("    \"~%s\" %d;", r.Regexp, b2i(r.Valid))
	}
	g.line("    default 0;")
	g.line("}")
	g.line("")
	g.line("# The origin's class: the cell of the decision table it leads to. Exact origins")
	g.line("# first, then hosts, then the hosts below each, the deepest first.")
	g.line("map \"%s%s\" %s {", g.name("origin_ok"), g.name("origin"), g.name("cell"))
	g.line("    1null %s;", g.cellID[g.t.NullCell()])
	for _, r := range g.t.OriginRegions() {
		id := g.cellID[r.Cell]
		def := 80
		if r.Scheme == "https" {
			def = 443
		}
		port := `(?::[0-9]+)?`
		if r.Port != compile.OtherPorts {
			port = ""
			if r.Port != def {
				port = ":" + strconv.Itoa(r.Port)
			}
		}
		switch {
		case r.Exact:
			g.line("    %q %s;", "1"+r.Origin, id)
		case !r.Below:
			g.line("    \"~^1%s://%s%s$\" %s;", r.Scheme, literal(r.Host), port, id)
		case r.Host == "":
			g.line("    \"~^1%s://\" %s;", r.Scheme, id)
		default:
			g.line("    \"~^1%s://(?:[a-z0-9_-]+\\.)+%s%s$\" %s;", r.Scheme, literal(r.Host), port, id)
		}
	}
	g.line("    default \"\";")
	g.line("}")
	g.line("")
	g.line("# The cells, and the rules whose origins match them:")
	for _, c := range g.cells {
		var rules []string
		for _, r := range c.Allow {
			rules = append(rules, fmt.Sprintf("allow %d:%d", r.Pos.Line, r.Pos.Column))
		}
		for _, r := range c.Deny {
			rules = append(rules, fmt.Sprintf("deny %d:%d", r.Pos.Line, r.Pos.Column))
		}
		if len(rules) == 0 {
			rules = []string{"no rule"}
		}
		g.line("#   %s %s: %s", g.cellID[c], c.Origins, strings.Join(rules, ", "))
	}
	g.line("")
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// cellsOf returns a regular expression matching the cells whose rules
// include r.
func (g *generator) cellsOf(r *compile.Rule) string {
	var ids []string
	for _, c := range g.cells {
		if slices.Contains(c.Allow, r) || slices.Contains(c.Deny, r) {
			ids = append(ids, g.cellID[c])
		}
	}
	if len(ids) == 0 {
		return "(?!)"
	}
	return "(?:" + strings.Join(ids, "|") + ")"
}

// methodsOf returns a regular expression of the methods a rule covers.
func methodsOf(r *compile.Rule) string {
	if r.AnyMethod || r.Methods == nil {
		return ".*"
	}
	var alts []string
	for _, m := range r.Methods {
		alts = append(alts, literal(m))
	}
	return "(?:" + strings.Join(alts, "|") + ")"
}

// ruleMaps writes, for each allow rule, the bit that says it grants the
// whole request on its own, and for each deny rule what it takes away.
func (g *generator) ruleMaps() {
	for i, h := range g.headers {
		g.line("# 1 when every requested header is granted by: %s.", describeHeaders(h))
		// nginx gives an empty source its default without trying a
		// regular expression, so the source starts with H.
		g.line("map H%s %s {", g.name("acrh"), g.name("h"+strconv.Itoa(i)))
		var alts []string
		for _, n := range h.names {
			alts = append(alts, literal(n))
		}
		switch {
		case h.any && slices.Contains(h.names, "authorization"):
			g.line("    \"~^H(?:%s+,)*$\" 1;", tcharClass)
		case h.any:
			g.line("    \"~^H(?:.*,)?authorization,\" 0;")
			g.line("    \"~^H(?:%s+,)*$\" 1;", tcharClass)
		case len(alts) > 0:
			g.line("    \"~^H(?:(?:%s),)*$\" 1;", strings.Join(alts, "|"))
		default:
			g.line("    H 1;")
		}
		g.line("    default 0;")
		g.line("}")
		g.line("")
	}
	key := fmt.Sprintf("%s|%s|%s|%s|%%s|%s|%s", g.name("cell"), g.name("kind"), g.pathBits(), g.name("cookie"), g.name("pna"), g.name("method"))
	for i, r := range g.allow {
		hs := slices.IndexFunc(g.headers, func(x headerSet) bool { return x.any == r.AnyHeader && slices.Equal(x.names, r.Headers) })
		g.line("# 1 when the allow rule at %d:%d grants the whole request on its own: its", r.Pos.Line, r.Pos.Column)
		g.line("# origins, paths and methods; credentials when a Cookie is sent; for a")
		g.line("# preflight, every requested header and private network access when asked.")
		g.line("map \"%s\" %s {", fmt.Sprintf(key, g.name("h"+strconv.Itoa(hs))), g.name("a"+strconv.Itoa(i)))
		cookie, pna := "0", "f"
		if r.Credentials {
			cookie = "[01]"
		}
		if r.PrivateNetwork {
			pna = "[tf]"
		}
		cells, paths, methods := g.cellsOf(r), g.pathsMatch(r.Paths), methodsOf(r)
		g.line("    \"~^%s\\|a\\|%s\\|%s\\|[01]\\|[tf]\\|%s$\" 1;", cells, paths, cookie, methods)
		g.line("    \"~^%s\\|p\\|%s\\|[01]\\|1\\|%s\\|%s$\" 1;", cells, paths, pna, methods)
		g.line("    default 0;")
		g.line("}")
		g.line("")
	}
	for i, r := range g.scoped {
		g.line("# 1 when the deny rule at %d:%d covers the origin and path: its methods are", r.Pos.Line, r.Pos.Column)
		g.line("# then not offered in Access-Control-Allow-Methods.")
		g.line("map \"%s|%s\" %s {", g.name("cell"), g.pathBits(), g.name("s"+strconv.Itoa(i)))
		g.line("    \"~^%s\\|%s$\" 1;", g.cellsOf(r), g.pathsMatch(r.Paths))
		g.line("    default 0;")
		g.line("}")
		g.line("")
	}
	g.line("# 1 when a deny rule covers the origin, the path and the method.")
	g.line("map \"%s|%s|%s\" %s {", g.name("cell"), g.pathBits(), g.name("method"), g.name("veto"))
	for _, r := range g.t.Rules {
		if r.Effect == compile.Deny {
			g.line("    \"~^%s\\|%s\\|%s$\" 1; # %d:%d", g.cellsOf(r), g.pathsMatch(r.Paths), methodsOf(r), r.Pos.Line, r.Pos.Column)
		}
	}
	g.line("    default 0;")
	g.line("}")
	g.line("")
	g.line("# 1 when the request can be allowed at all: a path routers read alike, a valid")
	g.line("# requested method for a preflight, and no deny rule.")
	g.line("map \"%s%s%s%s\" %s {", g.name("kind"), g.name("path_ok"), g.name("acrm_ok"), g.name("veto"), g.name("gate"))
	g.line("    \"~^a1[01]0$\" 1;")
	g.line("    p110 1;")
	g.line("    default 0;")
	g.line("}")
	g.line("")
}

func describeHeaders(h headerSet) string {
	var parts []string
	if h.any {
		parts = append(parts, "any")
	}
	parts = append(parts, h.names...)
	if len(parts) == 0 {
		return "no header"
	}
	return strings.Join(parts, ", ")
}

// grantID returns the identifier of a grant, adding it when it is new.
// Grants that would write the same headers share one.
func (g *generator) grantID(gr *compile.Grant, prefix string) string {
	for i, x := range g.grants {
		if sameAnswer(x, gr) {
			return prefix + strconv.Itoa(i)
		}
	}
	g.grants = append(g.grants, gr)
	return prefix + strconv.Itoa(len(g.grants)-1)
}

func sameAnswer(a, b *compile.Grant) bool {
	return a.Public == b.Public && a.Credentials == b.Credentials && a.AllowMethods == b.AllowMethods &&
		a.EchoMethod == b.EchoMethod && a.AllowHeaders == b.AllowHeaders && a.AnyHeader == b.AnyHeader &&
		a.ExposeHeaders == b.ExposeHeaders && a.MaxAgeValue == b.MaxAgeValue && a.Status == b.Status
}

// subsets calls f with every mask over n bits.
func subsets(n int, f func(mask uint64)) {
	for m := uint64(0); m < 1<<n; m++ {
		f(m)
	}
}

// globalBits returns the bit string over all of list of the rules of cell
// (cellRules) that mask selects.
func globalBits(list, cellRules []*compile.Rule, mask uint64) string {
	b := []byte(strings.Repeat("0", len(list)))
	for i, r := range cellRules {
		if mask&(1<<i) != 0 {
			b[slices.Index(list, r)] = '1'
		}
	}
	return string(b)
}

// grantMaps writes the answer of every combination of allow rules that can
// each grant a request, and of the deny rules that take methods away.
func (g *generator) grantMaps() {
	var aBits, sBits strings.Builder
	for i := range g.allow {
		aBits.WriteString(g.name("a" + strconv.Itoa(i)))
	}
	for i := range g.scoped {
		sBits.WriteString(g.name("s" + strconv.Itoa(i)))
	}
	entries := map[string]string{}
	var keys []string
	for _, c := range g.cells {
		credentials := c.CredentialRules()
		subsets(len(c.Allow), func(allow uint64) {
			if allow == 0 {
				return
			}
			subsets(len(c.Scoped), func(scoped uint64) {
				for _, kind := range []string{"a", "p"} {
					use := allow
					if kind == "p" && allow&credentials != 0 {
						// A preflight is answered by the rules that
						// grant credentials, when some do.
						use = allow & credentials
					}
					key := kind + "1:" + globalBits(g.allow, c.Allow, allow) + ":" + globalBits(g.scoped, c.Scoped, scoped)
					id := g.grantID(c.Grant(use, scoped), "g")
					if prev, ok := entries[key]; ok && prev != id && g.err == nil {
						// A grant depends on its rules alone, so this
						// would be a bug of the table or of this package.
						g.err = fmt.Errorf("nginx export: policy %s: the rules %s have two answers", g.t.Name, key)
					}
					if _, ok := entries[key]; !ok {
						keys = append(keys, key)
					}
					entries[key] = id
				}
			})
		})
	}
	g.line("# The grant of the rules that each grant the whole request: for a preflight, of")
	g.line("# those that grant credentials when some do. Keys: kind and gate, the allow")
	g.line("# rules' bits, the method-scoped deny rules' bits.")
	g.line("map \"%s%s:%s:%s\" %s {", g.name("kind"), g.name("gate"), aBits.String(), sBits.String(), g.name("grant"))
	slices.Sort(keys)
	for _, k := range keys {
		g.line("    %s %s;", k, entries[k])
	}
	g.line("    default \"\";")
	g.line("}")
	g.line("")
}

// publicMaps writes the answer every origin gets where the response does
// not depend on the origin: that of the rules naming any, for a request
// without Origin and for a denied actual request.
func (g *generator) publicMaps() {
	pub := g.t.Public()
	all, _ := g.t.OriginDependentPaths()
	g.line("# 1 when the answer for the path can depend on the origin: a rule naming")
	g.line("# particular origins covers it, or the path cannot be judged. Vary: Origin then.")
	g.line("map \"%s|%s\" %s {", g.name("path_ok"), g.pathBits(), g.name("dep"))
	if all {
		g.line("    default 1;")
	} else {
		_, specific := g.t.OriginDependentPaths()
		g.line("    \"~^0\" 1;")
		if len(specific) > 0 {
			g.line("    \"~^1\\|%s$\" 1;", g.pathsMatch(specific))
		}
		g.line("    default 0;")
	}
	g.line("}")
	g.line("")
	var uBits, usBits strings.Builder
	for i, r := range pub.Allow {
		g.line("# 1 when the rule naming any at %d:%d covers the path and the request's method.", r.Pos.Line, r.Pos.Column)
		g.line("map \"%s|$request_method\" %s {", g.pathBits(), g.name("u"+strconv.Itoa(i)))
		g.line("    \"~^%s\\|%s$\" 1;", g.pathsMatch(r.Paths), methodsOf(r))
		g.line("    default 0;")
		g.line("}")
		g.line("")
		uBits.WriteString(g.name("u" + strconv.Itoa(i)))
	}
	for i, r := range pub.Scoped {
		g.line("# 1 when the deny rule naming any at %d:%d covers the path.", r.Pos.Line, r.Pos.Column)
		g.line("map %s %s {", g.pathBits(), g.name("us"+strconv.Itoa(i)))
		g.line("    \"~^%s$\" 1;", g.pathsMatch(r.Paths))
		g.line("    default 0;")
		g.line("}")
		g.line("")
		usBits.WriteString(g.name("us" + strconv.Itoa(i)))
	}
	g.line("# 1 when a deny rule naming any covers the path and the request's method.")
	g.line("map \"%s|$request_method\" %s {", g.pathBits(), g.name("uveto"))
	for _, r := range pub.Deny {
		g.line("    \"~^%s\\|%s$\" 1;", g.pathsMatch(r.Paths), methodsOf(r))
	}
	g.line("    default 0;")
	g.line("}")
	g.line("")
	g.line("# The public grant, when every rule that grants it names any and none grants")
	g.line("# credentials. Keys: the veto, the rules' bits, the deny rules' bits.")
	g.line("map \"%s:%s:%s\" %s {", g.name("uveto"), uBits.String(), usBits.String(), g.name("public"))
	subsets(len(pub.Allow), func(allow uint64) {
		if allow == 0 {
			return
		}
		subsets(len(pub.Scoped), func(scoped uint64) {
			gr := pub.Grant(allow, scoped)
			if !gr.Public {
				return
			}
			g.line("    0:%s:%s %s;", maskBits(allow, len(pub.Allow)), maskBits(scoped, len(pub.Scoped)), g.grantID(gr, "u"))
		})
	})
	g.line("    default \"\";")
	g.line("}")
	g.line("")
}

// maskBits writes a mask as a string of n bits, bit 0 first.
func maskBits(mask uint64, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + mask>>i&1)
	}
	return string(b)
}

// answerMaps writes which grant answers and each response header's value.
func (g *generator) answerMaps() {
	g.line("# Which grant answers: the request's own when allowed (g), else the public")
	g.line("# one (u) for a request without Origin or a denied actual request, where the")
	g.line("# answer does not depend on the origin.")
	g.line("map \"%s|%s|%s|%s\" %s {", g.name("kind"), g.name("grant"), g.name("dep"), g.name("public"), g.name("answer"))
	g.line("    \"~^[ap]\\|g\" %s;", g.name("grant"))
	g.line("    \"~^[na]\\|\\|0\\|u\" %s;", g.name("public"))
	g.line("    default \"\";")
	g.line("}")
	g.line("")
	var acao, acac, expose, methods, headers, maxAge, status []string
	for i, gr := range g.grants {
		for _, prefix := range []string{"g", "u"} {
			id := prefix + strconv.Itoa(i)
			if prefix == "g" || gr.Public {
				origin := g.name("origin")
				if gr.Public {
					origin = `"*"`
				}
				acao = append(acao, fmt.Sprintf("%s %s", id, origin))
			}
			if prefix == "u" {
				if gr.Public && gr.ExposeHeaders != "" {
					expose = append(expose, fmt.Sprintf("n%s %s", id, g.value(gr.ExposeHeaders)), fmt.Sprintf("a%s %s", id, g.value(gr.ExposeHeaders)))
				}
				continue
			}
			if gr.Credentials {
				acac = append(acac, id+` "true"`)
			}
			if gr.ExposeHeaders != "" {
				expose = append(expose, fmt.Sprintf("a%s %s", id, g.value(gr.ExposeHeaders)))
			}
			if gr.AllowMethods != "" {
				methods = append(methods, fmt.Sprintf("p%s %s", id, g.value(gr.AllowMethods)))
			}
			echo := gr.AnyHeader && gr.Credentials
			if echo {
				headers = append(headers, fmt.Sprintf("p%s1 %s", id, g.name("acrh_echo")))
			}
			if gr.AllowHeaders != "" {
				headers = append(headers, fmt.Sprintf("p%s0 %s", id, g.value(gr.AllowHeaders)))
				if !echo {
					headers = append(headers, fmt.Sprintf("p%s1 %s", id, g.value(gr.AllowHeaders)))
				}
			}
			if gr.MaxAgeValue != "" {
				maxAge = append(maxAge, fmt.Sprintf("p%s %s", id, gr.MaxAgeValue))
			}
			status = append(status, fmt.Sprintf("p%s %d", id, gr.Status))
		}
	}
	status = append(status, "p 403")
	vary := "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	if g.t.PrivateNetwork {
		vary += ", Access-Control-Request-Private-Network"
	}
	maps := []struct {
		key, suffix, comment string
		entries              []string
	}{
		{g.name("answer"), "acao", "Access-Control-Allow-Origin: the origin, or * for a public grant.", acao},
		{g.name("answer"), "acac", "Access-Control-Allow-Credentials.", acac},
		{g.name("kind") + g.name("answer"), "aceh", "Access-Control-Expose-Headers, on responses that are not preflights.", expose},
		{g.name("kind") + g.name("answer"), "acam", "Access-Control-Allow-Methods, on preflights.", methods},
		{g.name("kind") + g.name("answer") + g.name("acrh_lines"), "acah", "Access-Control-Allow-Headers, on preflights; the requested lines for a grant of\n# any header with credentials, where * would be read literally.", headers},
		{g.name("kind") + g.name("answer"), "acma", "Access-Control-Max-Age, on preflights.", maxAge},
		{g.name("kind") + g.name("answer"), "status", "The status of a preflight; empty for other requests, which go upstream.", status},
	}
	for _, m := range maps {
		g.line("# %s", m.comment)
		g.line("map \"%s\" %s {", m.key, g.name(m.suffix))
		for _, e := range m.entries {
			g.line("    %s;", e)
		}
		g.line("    default \"\";")
		g.line("}")
		g.line("")
	}
	g.line("# Access-Control-Allow-Private-Network: on an allowed preflight that asks for it.")
	g.line("map \"%s%s\" %s {", g.name("kind"), g.name("answer")+g.name("pna"), g.name("acapn"))
	g.line("    \"~^pg[0-9]+t$\" \"true\";")
	g.line("    default \"\";")
	g.line("}")
	g.line("")
	g.line("# Vary: on every preflight, and Origin wherever the answer depends on it.")
	g.line("map \"%s%s\" %s {", g.name("kind"), g.name("dep"), g.name("vary"))
	g.line("    \"~^p\" %q;", vary)
	g.line("    \"~^[an]1$\" \"Origin\";")
	g.line("    default \"\";")
	g.line("}")
	g.line("")
}

// value returns a map value that is the literal s, a header value: a
// token list, in which only "$" means something to nginx.
func (g *generator) value(s string) string {
	if strings.Contains(s, "$") {
		g.dollar = true
		s = strings.ReplaceAll(s, "$", "${"+g.v+"dollar}")
	}
	return strconv.Quote(s)
}

// corsHeaders are the response headers the configuration writes and hides
// from the upstream.
var corsHeaders = []struct{ name, suffix string }{
	{"Access-Control-Allow-Origin", "acao"},
	{"Access-Control-Allow-Credentials", "acac"},
	{"Access-Control-Allow-Methods", "acam"},
	{"Access-Control-Allow-Headers", "acah"},
	{"Access-Control-Expose-Headers", "aceh"},
	{"Access-Control-Max-Age", "acma"},
	{"Access-Control-Allow-Private-Network", "acapn"},
}

// server writes the server block.
func (g *generator) server() {
	g.line("server {")
	for _, l := range g.opts.Listen {
		g.line("    listen %s;", l)
	}
	g.line("    # Long enough for the header lines Go's server reads (a 64 KiB Origin, ten")
	g.line("    # thousand requested header names), so that they are answered, not refused.")
	g.line("    large_client_header_buffers 4 128k;")
	g.line("    # //../x is then /x to nginx's parser, as the engine sees it, not /../x,")
	g.line("    # which nginx refuses with 400. Nothing routes on the merged path here.")
	g.line("    merge_slashes off;")
	g.line("")
	g.line("    # One location owns every request: rules are matched against the path as")
	g.line("    # sent, never against nginx's normalised one.")
	g.line("    location / {")
	g.line("        # The upstream's own CORS headers would contradict the policy's.")
	for _, h := range corsHeaders {
		g.line("        proxy_hide_header %s;", h.name)
	}
	g.line("        # always: error responses carry them too. Vary is added beside the")
	g.line("        # upstream's, never in its place.")
	for _, h := range corsHeaders {
		g.line("        add_header %s %s always;", h.name, g.name(h.suffix))
	}
	g.line("        add_header Vary %s always;", g.name("vary"))
	g.line("")
	g.line("        # Preflights are answered here and never passed on.")
	for _, s := range []int{204, 200, 403} {
		g.line("        if (%s = %d) {", g.name("status"), s)
		g.line("            return %d;", s)
		g.line("        }")
	}
	g.line("        proxy_pass %s;", g.opts.Upstream)
	g.line("    }")
	g.line("}")
}
