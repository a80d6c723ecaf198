package diff

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/corspolicy/cors/eval"
	"github.com/corspolicy/cors/regions"
)

// ident is what a fixture's request line and header lines take as a name.
var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// fixtureCase writes a request as a fixture case whose expectations are the
// new answer: the verdict, the failed check of a denial, a preflight's
// status, and each response header whose value a client reads differently
// from the old answer's. The old answer's values are in comments. A request
// a fixture cannot write (a method that is not an identifier) gets a
// comment saying so instead.
func fixtureCase(req *eval.Request, old, new *eval.Decision) string {
	method := req.Method
	if !ident.MatchString(method) {
		return fmt.Sprintf("# a fixture cannot write the method %q\n", method)
	}
	var b strings.Builder
	name := req.Method + " " + req.Path
	if len(req.Origin) > 0 {
		name = strings.Join(req.Origin, ", ") + " " + name
	}
	if new.Kind == eval.Preflight && len(req.RequestMethod) == 1 {
		name += " (preflight for " + req.RequestMethod[0] + ")"
	}
	fmt.Fprintf(&b, "case %q {\n", name)
	fmt.Fprintf(&b, "    %s %q\n", method, req.Path)
	line := func(header string, values []string) {
		var q []string
		for _, v := range values {
			q = append(q, fmt.Sprintf("%q", v))
		}
		fmt.Fprintf(&b, "    %s %s\n", header, strings.Join(q, ", "))
	}
	if req.Origin != nil {
		line("Origin", req.Origin)
	}
	if req.RequestMethod != nil {
		line("Access-Control-Request-Method", req.RequestMethod)
	}
	if req.RequestHeaders != nil {
		line("Access-Control-Request-Headers", req.RequestHeaders)
	}
	if req.PrivateNetwork != "" {
		line("Access-Control-Request-Private-Network", []string{req.PrivateNetwork})
	}
	if req.Credentials {
		line("Cookie", []string{"session=1"})
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "    # the old policy: %s\n", verdict(old))
	oh, nh := old.Header(), new.Header()
	oa, na := regions.AnswerOf(old), regions.AnswerOf(new)
	var expects []string
	expects = append(expects, "expect "+map[bool]string{true: "allowed", false: "denied"}[new.Allowed])
	if !new.Allowed && new.Kind != eval.NotCORS {
		expects = append(expects, "expect check "+checkName(new.Failed))
	}
	if new.Kind == eval.Preflight {
		expects = append(expects, fmt.Sprintf("expect status %d", new.Status))
	}
	for _, h := range headers {
		if h.same(oa, na) {
			continue
		}
		switch v := strings.Join(oh.Values(h.name), ", "); {
		case old.Allowed != new.Allowed:
			// The verdict says it.
		case v != "":
			fmt.Fprintf(&b, "    # the old policy: %s %q\n", h.name, v)
		default:
			fmt.Fprintf(&b, "    # the old policy: no %s\n", h.name)
		}
		switch v := strings.Join(nh.Values(h.name), ", "); {
		case v == "":
			expects = append(expects, "expect no "+h.name)
		case h.name == "Access-Control-Allow-Origin" && len(req.Origin) == 1 && v == req.Origin[0]:
			expects = append(expects, "expect "+h.name+" origin")
		default:
			expects = append(expects, fmt.Sprintf("expect %s %q", h.name, v))
		}
	}
	for _, e := range expects {
		b.WriteString("    " + e + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// headers are the response headers a case may expect, each with how a
// client compares it.
var headers = []struct {
	name string
	same func(a, b regions.Answer) bool
}{
	{"Access-Control-Allow-Origin", func(a, b regions.Answer) bool { return a.AllowOrigin == b.AllowOrigin }},
	{"Access-Control-Allow-Credentials", func(a, b regions.Answer) bool { return a.AllowCredentials == b.AllowCredentials }},
	{"Access-Control-Allow-Methods", func(a, b regions.Answer) bool { return equal(a.AllowMethods, b.AllowMethods) }},
	{"Access-Control-Allow-Headers", func(a, b regions.Answer) bool { return equal(a.AllowHeaders, b.AllowHeaders) }},
	{"Access-Control-Expose-Headers", func(a, b regions.Answer) bool { return equal(a.ExposeHeaders, b.ExposeHeaders) }},
	{"Access-Control-Max-Age", func(a, b regions.Answer) bool { return a.MaxAge == b.MaxAge }},
	{"Access-Control-Allow-Private-Network", func(a, b regions.Answer) bool { return a.AllowPrivateNetwork == b.AllowPrivateNetwork }},
	{"Vary", func(a, b regions.Answer) bool { return a.Vary == b.Vary }},
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// verdict writes a decision's verdict as a comment reads it.
func verdict(d *eval.Decision) string {
	switch {
	case d.Kind == eval.NotCORS:
		return "not a CORS request"
	case d.Allowed:
		return "allowed"
	}
	return "denied (check " + checkName(d.Failed) + ")"
}

// checkName is the name an expect check line uses for a failed check.
func checkName(c eval.Check) string { return strings.ReplaceAll(c.String(), " ", "-") }
