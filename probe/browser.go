package probe

import (
	"strconv"
	"strings"
)

// The Fetch standard's view of an answer: what a browser would do with it.
// These checks judge the client side only; whether a service should have
// answered so is the policy's question, which the engine answers.

// corsCheck reports whether a browser hands an actual response to a page on
// origin, and if not, why: the Fetch standard's CORS check.
// Access-Control-Allow-Origin must be sent once and be "*" (not with
// credentials) or the page's origin byte for byte; with credentials,
// Access-Control-Allow-Credentials must be exactly "true".
func corsCheck(a *Answer, origin string, credentialed bool) (bool, string) {
	if a == nil {
		return false, "no answer"
	}
	if a.interim() {
		return false, "the status is " + strconv.Itoa(a.Status) + ", which ends in a network error for a request that asked for no protocol switch"
	}
	lines := a.Header["Access-Control-Allow-Origin"]
	switch {
	case len(lines) == 0:
		return false, "no Access-Control-Allow-Origin"
	case len(lines) > 1:
		return false, "Access-Control-Allow-Origin is sent more than once"
	}
	acao := lines[0]
	if acao == "*" {
		if credentialed {
			return false, "Access-Control-Allow-Origin is * and the request has credentials"
		}
		return true, "Access-Control-Allow-Origin is *"
	}
	if acao != origin {
		return false, "Access-Control-Allow-Origin is " + quote(acao) + ", not the page's origin"
	}
	if credentialed && !a.credentials() {
		return false, "Access-Control-Allow-Credentials is not true"
	}
	if credentialed {
		return true, "Access-Control-Allow-Origin is the page's origin and Access-Control-Allow-Credentials is true"
	}
	return true, "Access-Control-Allow-Origin is the page's origin"
}

// preflightCheck reports whether a browser that sent a preflight for method
// with the request headers names would go on to send the request: a 2xx
// status, the CORS check, the method allowed (safelisted, named, or * without
// credentials) and every name allowed (named, or * without credentials,
// which never covers Authorization).
func preflightCheck(a *Answer, origin, method string, names []string, credentialed bool) (bool, string) {
	if a == nil {
		return false, "no answer"
	}
	if !a.ok() {
		return false, "the preflight's status is " + strconv.Itoa(a.Status) + ", not 2xx"
	}
	if ok, why := corsCheck(a, origin, credentialed); !ok {
		return false, why
	}
	methods := headerList(a.Header["Access-Control-Allow-Methods"])
	if !listHas(methods, method, false) && !safelistedMethod(method) && (credentialed || !listHas(methods, "*", false)) {
		return false, method + " is not in Access-Control-Allow-Methods"
	}
	allowed := headerList(a.Header["Access-Control-Allow-Headers"])
	star := !credentialed && listHas(allowed, "*", false)
	for _, n := range names {
		if listHas(allowed, n, true) {
			continue
		}
		if star && !strings.EqualFold(n, "authorization") {
			continue
		}
		return false, n + " is not in Access-Control-Allow-Headers"
	}
	return true, "the preflight allows " + method + " with these headers"
}

func safelistedMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "POST" }

// quote returns v in double quotes, clipped.
func quote(v string) string { return `"` + clip(v) + `"` }
