package probe

import (
	"fmt"
	"slices"
	"strings"

	"github.com/corspolicy/cors/lint"
)

// Finding is a misconfiguration the battery found on one path, in the
// lint's style: a severity, a stable code (SPEC.md has a section per code),
// a message, the requests and answers that prove it, what a browser does
// with those answers, and the fix.
type Finding struct {
	Severity lint.Severity
	Code     string
	Message  string
	URL      string   // the URL probed: the service's scheme, host and the path
	Evidence []*Probe // the requests that prove it, with their answers
	Browser  string   // what a browser does with the answer
	Fix      string
}

// Code describes a finding's code: its title, what fixes it, and the checks
// of other scanners it corresponds to.
type Code struct {
	ID       string
	Title    string
	Fix      string
	Scanners string // the Corsy and CORScanner checks it covers, or ""
}

// Codes lists every code the probe reports, in order. SPEC.md has a
// section for each.
var Codes = []Code{
	{"P001", "the probe did not finish", "raise -budget, or probe fewer paths", ""},
	{"P002", "requests without an answer", "check that the service is up and answers within -timeout", ""},
	{"P101", "any origin is trusted",
		"answer only the origins the service trusts, from an exact list; never copy the Origin header into Access-Control-Allow-Origin unchecked",
		"Corsy origin reflected; CORScanner reflect_origin"},
	{"P102", "the null origin is trusted",
		"remove null from the trusted origins and name the origins that need access",
		"Corsy null origin allowed; CORScanner trust_null"},
	{"P103", "* with credentials",
		"send Access-Control-Allow-Origin: * only without Access-Control-Allow-Credentials; to share credentialed answers, name the origins",
		"Corsy wildcard value (with credentials)"},
	{"P104", "origins ending with the site's domain are trusted",
		"compare whole origins; a check of the end of a host must include the dot before the domain, and the scheme",
		"Corsy pre-domain wildcard; CORScanner suffix_match"},
	{"P105", "origins starting with the site's host are trusted",
		"compare whole origins, not their start",
		"Corsy post-domain wildcard; CORScanner prefix_match"},
	{"P106", "a dot of the site's host matches any character",
		`escape the dots of the regular expression (\.) and anchor it (^...$), or compare exact origins`,
		"Corsy unescaped regex; CORScanner not_escape_dot"},
	{"P107", "special characters after the site's host are trusted",
		"compare whole origins; no host name has these characters",
		"Corsy unrecognized underscore and broken parser; CORScanner special_characters_bypass"},
	{"P108", "every subdomain is trusted",
		"name the subdomains that need access: a wildcard hands the access to every subdomain, one taken over or with a script injection bug included",
		"CORScanner trust_any_subdomain"},
	{"P109", "the site's http origin is trusted",
		"trust https origins only",
		"Corsy http origin allowed; CORScanner https_trust_http"},
	{"P110", "an origin anyone can publish on is trusted",
		"remove the origin: anyone can put a page there",
		"CORScanner custom_third_parties"},
	{"P111", "Access-Control-Allow-Origin names another origin or none",
		"answer with the request's origin when it is trusted, or with no Access-Control-Allow-Origin",
		"Corsy third party allowed and invalid value"},
	{"P112", "a part of the site's domain is trusted",
		"compare whole origins, not substrings",
		"CORScanner include_match"},
	{"P113", "with two Origin lines, the answer echoes what was not checked",
		"deny a request with several Origin lines, or answer with the one line that was checked",
		""},
	{"P121", "every requested header is echoed",
		"answer a preflight with the request headers the service accepts, a fixed list",
		""},
	{"P122", "Authorization is allowed only by *",
		"name Authorization in Access-Control-Allow-Headers if pages may send it, or leave it out",
		""},
	{"P123", "any origin may send writes with credential headers",
		"grant PUT and headers such as Authorization or X-Csrf-Token only to the origins that need them",
		""},
	{"P130", "Vary: Origin is missing",
		"send Vary: Origin on every response whose CORS headers depend on the Origin header, on responses to requests without Origin and on denials too",
		""},
	{"P201", "drift from the policy",
		"deploy the policy, or change it to say what the service should do",
		""},
}

// codeOf returns the description of a code.
func codeOf(id string) Code {
	for _, c := range Codes {
		if c.ID == id {
			return c
		}
	}
	return Code{ID: id}
}

// pathFindings holds the battery's answers for one path while they are
// judged.
type pathFindings struct {
	url    string
	site   Site
	probes map[string]*Probe // by check; probes with an answer a page can read only
	order  []*Probe          // those probes, in battery order
	out    []*Finding
}

// analyse judges the battery's answers for one path. An interim (1xx)
// answer is left out: no page reads it, and no cache keeps it.
func analyse(url string, site Site, probes []*Probe) []*Finding {
	pf := &pathFindings{url: url, site: site, probes: map[string]*Probe{}}
	for _, p := range probes {
		if p.Answer != nil && !p.Answer.interim() {
			pf.probes[p.Check] = p
			pf.order = append(pf.order, p)
		}
	}
	pf.origins()
	pf.preflights()
	pf.vary()
	return pf.out
}

// accepted returns the probe of a check whose answer trusts its origin:
// Access-Control-Allow-Origin is that origin, byte for byte.
func (pf *pathFindings) accepted(check string) *Probe {
	p := pf.probes[check]
	if p == nil || len(p.Origin) != 1 {
		return nil
	}
	if acao, ok := p.Answer.allowOrigin(); ok && acao == p.Origin[0] {
		return p
	}
	return nil
}

// acceptedFamily returns the probes of a family of checks (special
// characters, third parties) whose answers trust their origins.
func (pf *pathFindings) acceptedFamily(prefix string) []*Probe {
	var out []*Probe
	for _, p := range pf.order {
		if strings.HasPrefix(p.Check, prefix) && pf.accepted(p.Check) != nil {
			out = append(out, p)
		}
	}
	return out
}

// trust records a finding about origins the service trusts, from the
// probes that prove it: error when the first one's answer allows
// credentials, warning otherwise (or the severities given).
func (pf *pathFindings) trust(code string, withCreds, without lint.Severity, who string, evidence []*Probe, format string, args ...any) {
	if len(evidence) == 0 {
		return
	}
	first := evidence[0]
	sev := without
	if first.Answer.credentials() {
		sev = withCreds
		format += ", with credentials"
	}
	pf.out = append(pf.out, &Finding{Code: code, Severity: sev, URL: pf.url, Message: fmt.Sprintf(format, args...),
		Evidence: evidence, Browser: actualBrowser(first, who), Fix: codeOf(code).Fix})
}

func some(ps ...*Probe) []*Probe {
	return slices.DeleteFunc(ps, func(p *Probe) bool { return p == nil })
}

func origins(ps []*Probe) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.origin())
	}
	return strings.Join(out, ", ")
}

// origins judges the actual requests of the battery: which crafted
// origins the service trusts. A broad finding hides the narrow ones it
// explains: when any origin is trusted, the others say nothing more.
func (pf *pathFindings) origins() {
	E, W := lint.Error, lint.Warning
	page := func(o string) string { return "a page on " + o }
	if p := pf.accepted(checkArbitrary); p != nil {
		pf.trust("P101", E, W, page(p.origin()), some(p), "any origin is trusted: Origin %s is answered with itself", p.origin())
	} else {
		pf.narrowTrust(page)
	}
	// "*" with credentials, on any request with an Origin.
	for _, check := range []string{checkArbitrary, checkSite} {
		if p := pf.probes[check]; p != nil {
			if acao, _ := p.Answer.allowOrigin(); acao == "*" && p.Answer.credentials() {
				pf.out = append(pf.out, &Finding{Code: "P103", Severity: W, URL: pf.url,
					Message:  "Access-Control-Allow-Origin is * and Access-Control-Allow-Credentials is true",
					Evidence: some(p), Browser: actualBrowser(p, page(p.origin())), Fix: codeOf("P103").Fix})
				break
			}
		}
	}
}

// narrowTrust judges the crafted origins when the arbitrary one is not
// trusted: the flaws of an origin check.
func (pf *pathFindings) narrowTrust(page func(string) string) {
	E, W, I := lint.Error, lint.Warning, lint.Info
	if p := pf.accepted(checkNull); p != nil {
		pf.trust("P102", E, W, "a sandboxed iframe on any site, whose origin is null,", some(p), "the null origin is trusted")
	}
	sibling := pf.accepted(checkSibling)
	suffix := some(pf.accepted(checkSuffix))
	if p := pf.accepted(checkSuffixHost); p != nil && sibling == nil {
		suffix = append(suffix, p)
	}
	pf.trust("P104", E, W, page(origins(suffix)), suffix, "origins that end with the site's domain are trusted: %s", origins(suffix))
	prefix := some(pf.accepted(checkPrefix), pf.accepted(checkPrefixDomain))
	pf.trust("P105", E, W, page(origins(prefix)), prefix, "origins that start with the site's host are trusted: %s", origins(prefix))
	if len(suffix) == 0 {
		dots := some(pf.accepted(checkDotFirst), pf.accepted(checkDotLast))
		pf.trust("P106", E, W, page(origins(dots)), dots, "an origin with a letter in place of a dot of the site's host is trusted: %s", origins(dots))
		subs := some(sibling, pf.accepted(checkChild))
		pf.trust("P108", W, I, page(origins(subs[:min(1, len(subs))])), subs, "every subdomain is trusted: %s", origins(subs))
	}
	if len(prefix) == 0 {
		special := pf.acceptedFamily(checkSpecial)
		var chars []string
		for _, p := range special {
			chars = append(chars, strings.TrimPrefix(p.Check, checkSpecial))
		}
		who := page(origins(special[:min(1, len(special))])) + " (browsers differ in the characters they allow in a host name: Chrome and Firefox allow _, some versions of Safari most of the others)"
		pf.trust("P107", E, W, who, special, "origins with %s after the site's host are trusted: %s", strings.Join(chars, " "), origins(special))
	}
	if p := pf.accepted(checkHTTP); p != nil {
		pf.trust("P109", E, W, page(p.origin())+", which anyone on the network path can rewrite,", some(p), "the site's http origin is trusted: %s", p.origin())
	}
	third := pf.acceptedFamily(checkThirdParty)
	pf.trust("P110", E, W, page(origins(third[:min(1, len(third))]))+", where anyone can publish,", third, "origins anyone can publish on are trusted: %s", origins(third))
	sub := some(pf.accepted(checkSubstringHead), pf.accepted(checkSubstringTail))
	pf.trust("P112", E, W, page(origins(sub)), sub, "origins whose host is a part of the site's domain are trusted: %s", origins(sub))
	if p := pf.probes[checkTwoOrigins]; p != nil {
		lines := p.Answer.Header["Access-Control-Allow-Origin"]
		switch {
		case len(lines) > 1:
			pf.trust("P113", I, I, "a browser, which never sends two Origin lines,", some(p), "a request with two Origin lines is answered with %d Access-Control-Allow-Origin lines", len(lines))
		case len(lines) == 1 && lines[0] == p.Origin[1]:
			pf.trust("P113", I, I, "a browser, which never sends two Origin lines,", some(p), "a request with two Origin lines is answered with its second, %s", lines[0])
		}
	}
	pf.foreign()
}

// foreign finds an Access-Control-Allow-Origin that names neither the
// request's origin nor *: a fixed origin, or a value that is none.
func (pf *pathFindings) foreign() {
	for _, p := range pf.order {
		if len(p.Origin) != 1 || p.Method != "GET" {
			continue
		}
		acao, ok := p.Answer.allowOrigin()
		if !ok && len(p.Answer.Header["Access-Control-Allow-Origin"]) == 0 || acao == "*" || acao == p.Origin[0] {
			continue
		}
		// A service that folds case or drops a trailing dot answers an
		// origin a browser would not send: that is no flaw.
		if sameHost(acao, p.Origin[0]) {
			continue
		}
		v, _ := p.Answer.get("Access-Control-Allow-Origin")
		pf.out = append(pf.out, &Finding{Code: "P111", Severity: lint.Info, URL: pf.url,
			Message:  fmt.Sprintf("Access-Control-Allow-Origin is %s in answer to Origin %s", quote(v), p.origin()),
			Evidence: some(p), Browser: actualBrowser(p, "a page on "+p.origin()), Fix: codeOf("P111").Fix})
		return
	}
}

// sameHost reports whether two origins differ only in the case of their
// letters or a trailing dot of the host.
func sameHost(a, b string) bool {
	trim := func(s string) string { return strings.TrimSuffix(strings.ToLower(s), ".") }
	return trim(a) == trim(b)
}

// preflights judges the battery's preflights.
func (pf *pathFindings) preflights() {
	names := func(p *Probe) []string { return headerList([]string{p.RequestHeaders}) }
	if p := pf.probes[checkManyHeaders]; p != nil && p.Answer.ok() {
		allowed := headerList(p.Answer.Header["Access-Control-Allow-Headers"])
		all := true
		for _, n := range names(p) {
			all = all && listHas(allowed, n, true)
		}
		if all {
			sev := lint.Info
			msg := "a preflight asking for 32 headers no service grants gets every one of them in Access-Control-Allow-Headers"
			if p.Answer.credentials() {
				sev, msg = lint.Warning, msg+", with credentials"
			}
			pf.out = append(pf.out, &Finding{Code: "P121", Severity: sev, URL: pf.url, Message: msg, Evidence: some(p),
				Browser: preflightBrowser(p, "a page on "+p.origin()), Fix: codeOf("P121").Fix})
		}
	}
	if p := pf.probes[checkAuthorization]; p != nil && p.Answer.ok() {
		allowed := headerList(p.Answer.Header["Access-Control-Allow-Headers"])
		if ok, _ := corsCheck(p.Answer, p.origin(), false); ok && listHas(allowed, "*", false) && !listHas(allowed, "authorization", true) {
			pf.out = append(pf.out, &Finding{Code: "P122", Severity: lint.Info, URL: pf.url,
				Message:  "a preflight asking for Authorization is answered Access-Control-Allow-Headers: *, which does not cover Authorization",
				Evidence: some(p),
				Browser:  "the Fetch standard refuses Authorization under *, and so do Firefox and Safari; some Chromium versions accept it, so the same page works in one browser and fails in another",
				Fix:      codeOf("P122").Fix})
		}
	}
	if p := pf.probes[checkArbitraryPut]; p != nil {
		okC, _ := preflightCheck(p.Answer, p.origin(), p.RequestMethod, names(p), true)
		okP, _ := preflightCheck(p.Answer, p.origin(), p.RequestMethod, names(p), false)
		if okC || okP {
			sev, msg := lint.Info, "any origin passes a preflight for PUT with Authorization, Content-Type and X-Csrf-Token"
			if okC {
				sev, msg = lint.Error, msg+", with credentials"
			}
			pf.out = append(pf.out, &Finding{Code: "P123", Severity: sev, URL: pf.url, Message: msg, Evidence: some(p),
				Browser: preflightBrowser(p, "a page on "+p.origin()), Fix: codeOf("P123").Fix})
		}
	}
}

// vary finds answers that depend on the Origin header but do not say so:
// among the battery's GET requests on the path (one without Origin among
// them), the CORS headers differ, and some answer has no Vary: Origin.
func (pf *pathFindings) vary() {
	var gets []*Probe
	for _, p := range pf.order {
		if p.Method == "GET" {
			gets = append(gets, p)
		}
	}
	signature := func(p *Probe) string {
		acao, _ := p.Answer.get("Access-Control-Allow-Origin")
		acac, _ := p.Answer.get("Access-Control-Allow-Credentials")
		aceh, _ := p.Answer.get("Access-Control-Expose-Headers")
		return acao + "\n" + acac + "\n" + aceh
	}
	depends := false
	for _, p := range gets {
		depends = depends || signature(p) != signature(gets[0])
	}
	if !depends {
		return
	}
	var granted, other *Probe
	for _, p := range gets {
		vary := headerList(p.Answer.Header["Vary"])
		if listHas(vary, "origin", true) || listHas(vary, "*", false) {
			continue
		}
		if _, has := p.Answer.Header["Access-Control-Allow-Origin"]; has && granted == nil {
			granted = p
		} else if !has && other == nil {
			other = p
		}
	}
	evidence := some(granted, other)
	if len(evidence) == 0 {
		return
	}
	var reqs []string
	for _, p := range evidence {
		if p.Origin == nil {
			reqs = append(reqs, "the request without Origin")
		} else {
			reqs = append(reqs, "the request from "+p.origin())
		}
	}
	pf.out = append(pf.out, &Finding{Code: "P130", Severity: lint.Warning, URL: pf.url,
		Message:  "the CORS headers depend on the Origin header, but the answers to " + strings.Join(reqs, " and ") + " have no Vary: Origin",
		Evidence: evidence,
		Browser:  "a shared cache (a CDN, a proxy, the browser's own) that keeps one of these answers serves it to requests from other origins or from none, so pages the service trusts are refused, or a page gets another origin's answer",
		Fix:      codeOf("P130").Fix})
}

// actualBrowser says what a browser does with the answer to an actual
// request, for the page who stands for.
func actualBrowser(p *Probe, who string) string {
	okC, whyC := corsCheck(p.Answer, p.origin(), true)
	okP, whyP := corsCheck(p.Answer, p.origin(), false)
	switch {
	case okC:
		return who + " reads the response with the visitor's cookies: " + whyC
	case okP:
		return who + " reads the response without cookies; with cookies, the browser refuses it: " + whyC
	default:
		return "the browser refuses the response to " + who + ": " + whyP
	}
}

// preflightBrowser says what a browser does with the answer to a
// preflight, for the page who stands for.
func preflightBrowser(p *Probe, who string) string {
	names := headerList([]string{p.RequestHeaders})
	okC, whyC := preflightCheck(p.Answer, p.origin(), p.RequestMethod, names, true)
	okP, whyP := preflightCheck(p.Answer, p.origin(), p.RequestMethod, names, false)
	switch {
	case okC:
		return who + " sends the request, with the visitor's cookies: " + whyC
	case okP:
		return who + " sends the request without cookies; with cookies, the browser stops at the preflight: " + whyC
	default:
		return "the browser stops " + who + " at the preflight: " + whyP
	}
}
