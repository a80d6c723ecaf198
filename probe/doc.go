// Package probe audits what a live service answers to cross-origin
// requests: it finds the CORS misconfigurations that scanners such as Corsy
// and CORScanner look for, and, given the policy the service should follow,
// every place where its answers drift from the engine's.
//
// Run sends a battery of crafted requests to each path: origins derived
// from the site's host (an arbitrary one, null, the host with a prefix or a
// suffix attached, a dot replaced, special characters after it, subdomains,
// third-party hosting, the http form, upper case, a trailing dot, two Origin
// lines) and preflights (PUT with credential headers from the site and from
// an arbitrary origin, Authorization, a long list of headers). It judges the
// answers as findings with a severity, a code, the requests and answers
// that prove them, what a browser does with them, and the fix. With a
// policy it also sends the witness of every decision region
// (region.Enumerate) and compares each answer with eval.Evaluate's.
//
// A probe is polite: one request at a time, at most Config.Rate a second,
// within Config.Budget requests (a plan over the budget is refused before
// anything is sent), each within Config.Timeout, with a User-Agent that
// names the tool, no request body, only GET, HEAD and OPTIONS unless
// Config.Methods allows more, and no redirect followed. It reads at most
// MaxHeaderBytes of headers and MaxBodyBytes of body per answer.
//
// WriteText, WriteJSON and WriteSARIF print a Report; corsfmt probe is the
// command. SPEC.md describes every code.
package probe
