package lint

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/compile/pathset"
)

// Codes of the lint. SPEC.md has a section for each. The codes of the
// trust checks (S101, S103 to S107, X001) are the compiler's: a finding
// of theirs that refuses a policy is a compile error, and the lint
// reports the same code as a warning where the finding is less grave.
const (
	CodePublicSuffixCreds = compile.CodePublicSuffixCreds // S101, from the compiler
	CodePublicSuffix      = "S102"                        // a wildcard over a public suffix
	CodeNull              = compile.CodeNull              // S103: the null origin allowed
	CodeInsecureCreds     = compile.CodeInsecureCreds     // S104: an http origin granted credentials
	CodeLocal             = compile.CodeLocal             // S105: a local or private origin outside a dev build
	CodeForbiddenHeader   = compile.CodeForbiddenHeader   // S106, from the compiler
	CodeForbiddenMethod   = compile.CodeForbiddenMethod   // S107, from the compiler
	CodeLookalike         = "S108"                        // a host that reads as another name
	CodeAuthorization     = "U201"                        // headers any does not cover Authorization
	CodeSafelistedHeader  = "U202"                        // a CORS-safelisted request header listed
	CodeMethodCase        = "U204"                        // a method in a case browsers do not send
	CodeMaxAge            = "U205"                        // a max-age past what browsers keep
	CodeExpose            = "U206"                        // a response header that exposing does not change
	CodeDeadPath          = "U207"                        // a path pattern no request can match
	CodeNoRead            = "U208"                        // a rule whose methods leave out GET, where no rule grants it
	CodeDuplicateOrigin   = "R301"                        // an origin named twice in one rule
	CodeDenied            = "R302"                        // an allow rule that deny rules cancel entirely
	CodeRedundant         = "R303"                        // an allow rule another grants all of
	CodeIdleDeny          = "R304"                        // a deny rule that removes nothing
	CodeSilenceReason     = compile.CodeSilenceReason     // X001, from the compiler
	CodeSilenceUnused     = "X002"                        // a silence that silences nothing
)

// origins reports what the trust checks leave to the lint: the same
// findings where they are warnings, since the rule grants no credentials or
// reaches development builds only.
func (l *linter) origins(r *compile.Rule) {
	if r.Effect != compile.Allow {
		return
	}
	for _, dup := range r.Duplicates {
		l.add(r, dup, Warning, CodeDuplicateOrigin, "remove it", "origin %q is already in this rule's list", dup.Value)
	}
	if r.Null && !r.Credentials {
		l.add(r, r.NullNode(), Warning, CodeNull, "name the origins that need access",
			"the null origin is allowed: sandboxed iframes, file: pages and some redirects send it, so any site can")
	}
	for _, p := range r.Origins {
		n := r.OriginNode(p)
		if p.CoversPublicSuffix() && !r.Credentials {
			l.add(r, compile.Within(n, "*."), Warning, CodePublicSuffix, "list the exact origins",
				"%s covers %s, a public suffix under which anyone can register a site", p, p.Host)
		}
		if p.Scheme == "http" && r.Credentials && !p.IsLocal() && r.Dev {
			l.add(r, compile.Within(n, "http:"), Warning, CodeInsecureCreds, "use https",
				"%s is granted credentials over plain http: anyone on the network path can send requests as that origin", p)
		}
		if label, why := lookalike(p.Host); label != "" {
			l.add(r, n, Warning, CodeLookalike, "name the host as its owner registered it; if this one is meant, silence the finding and say so",
				"%s has the label %q, %s: it passes for another name, which anyone can register (browsers show it in its xn-- form)", p, label, why)
		}
		if p.IsLocal() && !r.Dev && !r.Credentials {
			l.add(r, n, Warning, CodeLocal, localFix(r),
				"%s is a local origin, outside a development build: any program on a visitor's machine can serve it", p)
		}
	}
}

// localFix says how to keep a local origin out of production builds,
// without telling a rule in a profile block to move into one.
func localFix(r *compile.Rule) string {
	if r.Profiles == nil {
		return "move the rule into a profile block, and name that profile in the policy's dev-profiles"
	}
	return "name " + strings.Join(r.Profiles, ", ") + " in the policy's dev-profiles if that is a development build"
}

// Request header names browsers send without asking ("CORS-safelisted
// request-header"; Content-Type only with form and text values, which a
// JSON API does not use, so it is left out of the list).
var (
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
			n = r.Clause("headers")
		}
		if slices.Contains(safelistedHeaders, h) {
			l.add(r, n, Info, CodeSafelistedHeader, "",
				"%s is CORS-safelisted: browsers send it without asking, unless its value is unusual", h)
		}
	}
	if r.AnyHeader && !slices.Contains(r.Headers, "authorization") {
		l.add(r, r.Clause("headers"), Info, CodeAuthorization, `write headers any, "Authorization" if clients send it`,
			"headers any does not cover Authorization: browsers require it by name")
	}
	for _, h := range r.Expose {
		lower := strings.ToLower(h)
		n := r.At("expose " + lower)
		if n == nil {
			n = r.Clause("expose")
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
			l.add(r, r.Clause("paths"), Warning, CodeDeadPath, "write the path as browsers send it, without dot segments or escaped slashes", "path pattern %q can match no request: %s", p.Text, why)
		}
	}
}

// deadPath says why no request path can match the pattern, or returns "":
// requests whose path holds a dot segment, a backslash or an escaped slash
// are denied before any rule is tried (SPEC.md, "Middleware").
func deadPath(p string) string {
	if problem := pathset.Problem(p); problem != "" {
		return "requests whose path " + strings.TrimPrefix(problem, "the path ") + " are denied"
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
		case m != upper && slices.Contains(normalizedMethods, upper):
			l.add(r, n, Warning, CodeMethodCase, fmt.Sprintf("write %q", upper),
				"browsers send %q as %s, so %q never matches; did you mean %q?", m, upper, m, upper)
		case m != upper && upper == "PATCH":
			l.add(r, n, Warning, CodeMethodCase, fmt.Sprintf("write %q", upper),
				"browsers send methods other than DELETE, GET, HEAD, OPTIONS, POST and PUT exactly as scripts write them; did you mean %q?", upper)
		}
	}
}

// unreadable notes the allow rules whose methods clause leaves out GET on
// paths that look like things to read, where no allow rule in every build
// they are in grants GET to all of their origins and paths: a rule's
// methods scope its actual requests too, so its origins cannot read those
// paths, which is seldom what a rule granting PUT or DELETE on a
// collection meant. Paths look readable when the rule has none or one of
// them ends in a wildcard (a tree or a collection); a rule on exact paths
// only (/auth/session, /reviews) reads as an action endpoint, where
// write-only is the point. It is an info finding.
func (l *linter) unreadable(rules []*compile.Rule) {
	for _, r := range rules {
		if r.Effect != compile.Allow || r.AnyMethod || slices.Contains(r.Methods, "GET") || r.At("method "+firstMethod(r)) == nil {
			continue
		}
		if r.Paths != nil && !slices.ContainsFunc(r.Paths, func(p *compile.PathPattern) bool {
			last := p.Text[strings.LastIndexByte(p.Text, '/')+1:]
			return strings.Contains(last, "*")
		}) {
			continue
		}
		read := slices.ContainsFunc(rules, func(b *compile.Rule) bool {
			return b.Effect == compile.Allow && (b.AnyMethod || slices.Contains(b.Methods, "GET")) &&
				alongside(b, r) && originsContain(b, r) && pathsContain(b, r)
		})
		if !read {
			l.add(r, r.Clause("methods"), Info, CodeNoRead, `add "GET" if scripts read these paths`,
				"the methods of this rule leave out GET, and no rule grants GET here: its origins cannot read these paths, since a rule's methods scope actual requests too")
		}
	}
}

// firstMethod returns the first method a rule names, or "".
func firstMethod(r *compile.Rule) string {
	if len(r.Methods) == 0 {
		return ""
	}
	return r.Methods[0]
}

func (l *linter) maxAge(r *compile.Rule) {
	switch {
	case r.MaxAge > 86400:
		l.add(r, r.Clause("max-age"), Warning, CodeMaxAge, "use 2h at most",
			"max-age %ds is past Firefox's cap of 86400 s and Chromium's of 7200 s", r.MaxAge)
	case r.MaxAge > 7200:
		l.add(r, r.Clause("max-age"), Info, CodeMaxAge, "use 2h at most",
			"max-age %ds is past Chromium's cap of 7200 s: Chromium caches the preflight for 2h", r.MaxAge)
	}
}
