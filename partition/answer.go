package partition

import (
	"net/http"
	"slices"
	"strings"

	"github.com/corspolicy/cors/compile"
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

// AnswerOf returns what a client observes of d: the headers Decision.Header
// writes, read from the decision's fields, and from the written headers
// only where the answer echoes the request's header lines.
func AnswerOf(d *eval.Decision) Answer {
	a := Answer{
		Allowed:             d.Allowed,
		Status:              d.Status,
		AllowOrigin:         d.AllowOrigin,
		AllowCredentials:    d.AllowCredentials == "true",
		AllowMethods:        split(d.AllowMethods, false),
		AllowHeaders:        split(d.AllowHeaders, true),
		ExposeHeaders:       split(d.ExposeHeaders, true),
		MaxAge:              d.MaxAge,
		AllowPrivateNetwork: d.AllowPrivateNetwork == "true",
		Vary:                d.Vary,
	}
	if d.AllowOrigin == "" {
		// A denial, or not CORS: Header writes Vary alone.
		a.AllowCredentials, a.AllowMethods, a.AllowHeaders, a.ExposeHeaders = false, nil, nil, nil
		a.MaxAge, a.AllowPrivateNetwork = "", false
	}
	if d.Allowed && d.Kind == eval.Preflight && a.AllowCredentials &&
		slices.ContainsFunc(d.Rules, func(r *compile.Rule) bool { return r.AnyHeader }) {
		// Any header with credentials: the answer may echo the request's
		// own lines, which only the written headers hold.
		a.AllowHeaders = list(d.Header(), "Access-Control-Allow-Headers", true)
	}
	return a
}

// split reads a comma-separated value as a sorted set, folding case when
// fold is set.
func split(v string, fold bool) []string {
	var out []string
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		if item = strings.TrimSpace(item); item != "" {
			if fold {
				item = strings.ToLower(item)
			}
			out = append(out, item)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// list reads a comma-separated header as a sorted set, folding case when
// fold is set.
func list(h http.Header, name string, fold bool) []string {
	return split(strings.Join(h.Values(name), ","), fold)
}

// Equal reports whether a client can tell the two answers apart.
func (a Answer) Equal(b Answer) bool {
	return a.Allowed == b.Allowed && a.Status == b.Status && a.AllowOrigin == b.AllowOrigin &&
		a.AllowCredentials == b.AllowCredentials && slices.Equal(a.AllowMethods, b.AllowMethods) &&
		slices.Equal(a.AllowHeaders, b.AllowHeaders) && slices.Equal(a.ExposeHeaders, b.ExposeHeaders) &&
		a.MaxAge == b.MaxAge && a.AllowPrivateNetwork == b.AllowPrivateNetwork && a.Vary == b.Vary
}
