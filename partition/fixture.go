package partition

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/corspolicy/cors/eval"
)

// ResponseHeaders are the headers a fixture case may expect, in the order
// a case lists them.
var ResponseHeaders = []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Access-Control-Expose-Headers",
	"Access-Control-Max-Age", "Access-Control-Allow-Private-Network", "Vary"}

// ident is what a fixture's request line takes as a method.
var ident = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// Case writes a request as a fixture case (SPEC.md, Fixture tests), ready to
// paste: the request, then comment lines, then expectations from d: the
// verdict, the check a denial failed, a preflight's status, and each of the
// given response headers with its value, or its absence. A Cookie header
// stands for credentials. A request whose method a fixture cannot write (it
// is not an identifier) gets a comment saying so instead.
func Case(req *eval.Request, d *eval.Decision, headers []string, comments []string) string {
	if !ident.MatchString(req.Method) {
		return fmt.Sprintf("# a fixture cannot write the method %q\n", req.Method)
	}
	var b strings.Builder
	name := req.Method + " " + req.Path
	if len(req.Origin) > 0 {
		name = strings.Join(req.Origin, ", ") + " " + name
	}
	if d.Kind == eval.Preflight && len(req.RequestMethod) == 1 {
		name += " (preflight for " + req.RequestMethod[0] + ")"
	}
	fmt.Fprintf(&b, "case %q {\n    %s %q\n", name, req.Method, req.Path)
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
	for _, c := range comments {
		b.WriteString("    # " + c + "\n")
	}
	if d.Allowed {
		b.WriteString("    expect allowed\n")
	} else {
		b.WriteString("    expect denied\n")
		if d.Kind != eval.NotCORS {
			b.WriteString("    expect check " + CheckName(d.Failed) + "\n")
		}
	}
	if d.Kind == eval.Preflight {
		fmt.Fprintf(&b, "    expect status %d\n", d.Status)
	}
	h := d.Header()
	for _, name := range headers {
		switch v := strings.Join(h.Values(name), ", "); {
		case v == "":
			b.WriteString("    expect no " + name + "\n")
		case name == "Access-Control-Allow-Origin" && len(req.Origin) == 1 && v == req.Origin[0]:
			b.WriteString("    expect " + name + " origin\n")
		default:
			fmt.Fprintf(&b, "    expect %s %q\n", name, v)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// CheckName is the name an expect check line uses for a failed check.
func CheckName(c eval.Check) string { return strings.ReplaceAll(c.String(), " ", "-") }

// Verdict writes a decision's verdict as a reader reads it.
func Verdict(d *eval.Decision) string {
	switch {
	case d.Kind == eval.NotCORS:
		return "not a CORS request"
	case d.Allowed:
		return "allowed"
	}
	return "denied (check " + CheckName(d.Failed) + ")"
}

// JSONRequest is a request as JSON output writes it.
type JSONRequest struct {
	Method         string   `json:"method"`
	Path           string   `json:"path"`
	Origin         []string `json:"origin,omitempty"`
	RequestMethod  []string `json:"access_control_request_method,omitempty"`
	RequestHeaders []string `json:"access_control_request_headers,omitempty"`
	PrivateNetwork string   `json:"access_control_request_private_network,omitempty"`
	Credentials    bool     `json:"credentials,omitempty"`
}

// JSONRequestOf returns a request as JSON output writes it.
func JSONRequestOf(r *eval.Request) JSONRequest {
	return JSONRequest{Method: r.Method, Path: r.Path, Origin: r.Origin, RequestMethod: r.RequestMethod,
		RequestHeaders: r.RequestHeaders, PrivateNetwork: r.PrivateNetwork, Credentials: r.Credentials}
}
