package lint

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/lang"
)

// Codes of the lint. SPEC.md has a section for each.
const (
	CodePublicSuffixCreds = "S101" // credentials for a wildcard over a public suffix
	CodePublicSuffix      = "S102" // a wildcard over a public suffix
	CodeNull              = "S103" // the null origin allowed
	CodeInsecureCreds     = "S104" // an http origin granted credentials
	CodeLocal             = "S105" // a local or private origin outside a dev profile
	CodeForbiddenHeader   = "S106" // a request header browsers never let scripts send
	CodeForbiddenMethod   = "S107" // CONNECT, TRACE or TRACK
	CodeAuthorization     = "U201" // headers any does not cover Authorization
	CodeSafelistedHeader  = "U202" // a CORS-safelisted request header listed
	CodeMethodCase        = "U204" // a method in a case browsers do not send
	CodeMaxAge            = "U205" // a max-age past what browsers keep
	CodeExpose            = "U206" // a response header that exposing does not change
	CodeDeadPath          = "U207" // a path pattern no request can match
	CodeDuplicateOrigin   = "R301" // an origin named twice in one rule
	CodeDenied            = "R302" // an allow rule that deny rules cancel entirely
	CodeRedundant         = "R303" // an allow rule another grants all of
	CodeIdleDeny          = "R304" // a deny rule that removes nothing
	CodeSilenceReason     = "X001" // a silence without a reason
	CodeSilenceUnused     = "X002" // a silence that silences nothing
)

func (l *linter) origins(r *compile.Rule) {
	if r.Effect != compile.Allow {
		return
	}
	for _, dup := range r.Duplicates {
		l.add(r, dup, Warning, CodeDuplicateOrigin, "remove it", "origin %q is already in this rule's list", dup.Value)
	}
	if r.Null {
		sev, why := Warning, "sandboxed iframes, file: pages and some redirects send it, so any site can"
		if r.Credentials {
			sev = Error
		}
		l.add(r, nullNode(r), sev, CodeNull, "name the origins that need access",
			"the null origin is allowed: %s", why)
	}
	for _, p := range r.Origins {
		n := origin(r, p)
		if p.Wildcard && isPublicSuffix(p.Host) {
			n := within(n, "*.")
			if r.Credentials {
				l.add(r, n, Error, CodePublicSuffixCreds, "list the exact origins",
					"%s covers %s, a public suffix under which anyone can register a site, and the rule grants credentials", p, p.Host)
			} else {
				l.add(r, n, Warning, CodePublicSuffix, "list the exact origins",
					"%s covers %s, a public suffix under which anyone can register a site", p, p.Host)
			}
		}
		local := isLocal(p.Host)
		if p.Scheme == "http" && r.Credentials && !local {
			n := within(n, "http:")
			sev := Error
			if inDev(r) {
				sev = Warning
			}
			l.add(r, n, sev, CodeInsecureCreds, "use https",
				"%s is granted credentials over plain http: anyone on the network path can send requests as that origin", p)
		}
		if local && !inDev(r) {
			l.add(r, n, Warning, CodeLocal, "move the rule into a profile dev block",
				"%s is a local origin, outside a dev profile: any program on a visitor's machine can serve it", p)
		}
	}
}

func nullNode(r *compile.Rule) lang.Node {
	for _, v := range r.Node.Origins {
		if v.Keyword == "null" {
			return v
		}
	}
	return r.Node
}

// isPublicSuffix reports whether host is a public suffix: "com", "co.uk",
// "github.io". A single label is one, localhost aside.
func isPublicSuffix(host string) bool {
	if !strings.Contains(host, ".") {
		return host != "localhost"
	}
	suffix, _ := publicsuffix.PublicSuffix(host)
	return suffix == host
}

// isLocal reports whether host names this machine or a private network.
func isLocal(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && (addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified())
}

// Request header names browsers never let a script set (Fetch, "forbidden
// request-header"), and those they send without asking ("CORS-safelisted
// request-header"; Content-Type only with form and text values, which a
// JSON API does not use, so it is left out of the list).
var (
	forbiddenHeaders = []string{"accept-charset", "accept-encoding", "access-control-request-headers",
		"access-control-request-method", "connection", "content-length", "cookie", "cookie2", "date", "dnt",
		"expect", "host", "keep-alive", "origin", "referer", "set-cookie", "te", "trailer",
		"transfer-encoding", "upgrade", "via"}
	safelistedHeaders = []string{"accept", "accept-language", "content-language", "range"}
	// Response headers every script may read already, and those none may.
	safelistedResponse = []string{"cache-control", "content-language", "content-length", "content-type",
		"expires", "last-modified", "pragma"}
	neverExposed = []string{"set-cookie", "set-cookie2"}
)

func (l *linter) headers(r *compile.Rule) {
	if r.Effect != compile.Allow {
		return
	}
	for _, h := range r.Headers {
		n := r.At("headers " + h)
		if n == nil {
			n = clause(r, "headers")
		}
		switch {
		case slices.Contains(forbiddenHeaders, h) || strings.HasPrefix(h, "proxy-") || strings.HasPrefix(h, "sec-"):
			l.add(r, n, Error, CodeForbiddenHeader, "remove it",
				"%s is a forbidden request header: browsers never let a script send it, so granting it does nothing", h)
		case slices.Contains(safelistedHeaders, h):
			l.add(r, n, Info, CodeSafelistedHeader, "",
				"%s is CORS-safelisted: browsers send it without asking, unless its value is unusual", h)
		}
	}
	if r.AnyHeader && !slices.Contains(r.Headers, "authorization") {
		l.add(r, clause(r, "headers"), Info, CodeAuthorization, `write headers any, "Authorization" if clients send it`,
			"headers any does not cover Authorization: browsers require it by name")
	}
	for _, h := range r.Expose {
		lower := strings.ToLower(h)
		n := r.At("expose " + lower)
		if n == nil {
			n = clause(r, "expose")
		}
		switch {
		case slices.Contains(neverExposed, lower):
			l.add(r, n, Warning, CodeExpose, "remove it", "%s is never exposed to scripts, whatever the server says", h)
		case slices.Contains(safelistedResponse, lower):
			l.add(r, n, Info, CodeExpose, "remove it", "%s is CORS-safelisted: scripts can read it without exposing it", h)
		}
	}
	for _, p := range r.Paths {
		if why := deadPath(p.Text); why != "" {
			l.add(r, clause(r, "paths"), Warning, CodeDeadPath, "", "path pattern %q can match no request: %s", p.Text, why)
		}
	}
}

// deadPath says why no request path can match the pattern, or returns "":
// requests whose path holds a dot segment, a backslash or an escaped slash
// are denied before any rule is tried (SPEC.md, "Middleware").
func deadPath(p string) string {
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "." || seg == ".." {
			return "requests whose path holds a dot segment are denied"
		}
	}
	if lower := strings.ToLower(p); strings.Contains(p, "\\") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return "requests whose path holds a backslash or an escaped slash are denied"
	}
	return ""
}

// The methods browsers upper-case whatever a script wrote (Fetch,
// "normalize a method").
var normalizedMethods = []string{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"}

func (l *linter) methods(r *compile.Rule) {
	for _, m := range r.Methods {
		n := r.At("method " + m)
		if n == nil {
			continue // the default GET, HEAD, POST
		}
		upper := strings.ToUpper(m)
		switch {
		case upper == "CONNECT" || upper == "TRACE" || upper == "TRACK":
			l.add(r, n, Error, CodeForbiddenMethod, "remove it", "%s is a forbidden method: browsers never send it", m)
		case m != upper && slices.Contains(normalizedMethods, upper):
			l.add(r, n, Warning, CodeMethodCase, fmt.Sprintf("write %q", upper),
				"browsers send %q as %s, so %q never matches; did you mean %q?", m, upper, m, upper)
		case m != upper && upper == "PATCH":
			l.add(r, n, Warning, CodeMethodCase, fmt.Sprintf("write %q", upper),
				"browsers send methods other than DELETE, GET, HEAD, OPTIONS, POST and PUT exactly as scripts write them; did you mean %q?", upper)
		}
	}
}

func (l *linter) maxAge(r *compile.Rule) {
	switch {
	case r.MaxAge > 86400:
		l.add(r, clause(r, "max-age"), Warning, CodeMaxAge, "use 2h at most",
			"max-age %ds is past Firefox's cap of 86400 s and Chromium's of 7200 s", r.MaxAge)
	case r.MaxAge > 7200:
		l.add(r, clause(r, "max-age"), Info, CodeMaxAge, "use 2h at most",
			"max-age %ds is past Chromium's cap of 7200 s: Chromium caches the preflight for 2h", r.MaxAge)
	}
}
