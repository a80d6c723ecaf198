package regions

import (
	"net/http"
	"slices"
	"strings"

	"github.com/corspolicy/cors/eval"
)

// Answer is what a client can observe of a decision: the verdict, the
// status of a preflight, and the CORS response headers, each as a browser
// reads it. Lists are sets (order, repeats and blanks do not matter), of
// names in lower case where HTTP compares them in any case (request and
// exposed header names) and byte for byte where it does not (methods).
// Which rules decided, and which check failed, are not part of it: two
// policies that answer alike are alike to every client, however they
// explain themselves.
type Answer struct {
	Allowed bool `json:"allowed"`
	Status  int  `json:"status,omitempty"` // of a preflight; 0 otherwise
	// AllowOrigin is "", "*", or the origin of the request, echoed.
	AllowOrigin         string   `json:"allow_origin,omitempty"`
	AllowCredentials    bool     `json:"allow_credentials,omitempty"`
	AllowMethods        []string `json:"allow_methods,omitempty"`
	AllowHeaders        []string `json:"allow_headers,omitempty"`
	ExposeHeaders       []string `json:"expose_headers,omitempty"`
	MaxAge              string   `json:"max_age,omitempty"`
	AllowPrivateNetwork bool     `json:"allow_private_network,omitempty"`
	Vary                string   `json:"vary,omitempty"`
}

// AnswerOf returns what a client observes of d.
func AnswerOf(d *eval.Decision) Answer {
	h := d.Header()
	get := func(name string) string { return strings.Join(h.Values(name), ", ") }
	return Answer{
		Allowed:             d.Allowed,
		Status:              d.Status,
		AllowOrigin:         get("Access-Control-Allow-Origin"),
		AllowCredentials:    get("Access-Control-Allow-Credentials") == "true",
		AllowMethods:        list(h, "Access-Control-Allow-Methods", false),
		AllowHeaders:        list(h, "Access-Control-Allow-Headers", true),
		ExposeHeaders:       list(h, "Access-Control-Expose-Headers", true),
		MaxAge:              get("Access-Control-Max-Age"),
		AllowPrivateNetwork: get("Access-Control-Allow-Private-Network") == "true",
		Vary:                get("Vary"),
	}
}

// list reads a comma-separated header as a sorted set, folding case when
// fold is set.
func list(h http.Header, name string, fold bool) []string {
	var out []string
	for _, line := range h.Values(name) {
		for _, v := range strings.Split(line, ",") {
			if v = strings.TrimSpace(v); v != "" {
				if fold {
					v = strings.ToLower(v)
				}
				out = append(out, v)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Equal reports whether a client can tell the two answers apart.
func (a Answer) Equal(b Answer) bool {
	return a.Allowed == b.Allowed && a.Status == b.Status && a.AllowOrigin == b.AllowOrigin &&
		a.AllowCredentials == b.AllowCredentials && slices.Equal(a.AllowMethods, b.AllowMethods) &&
		slices.Equal(a.AllowHeaders, b.AllowHeaders) && slices.Equal(a.ExposeHeaders, b.ExposeHeaders) &&
		a.MaxAge == b.MaxAge && a.AllowPrivateNetwork == b.AllowPrivateNetwork && a.Vary == b.Vary
}
