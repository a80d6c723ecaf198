package eval

import (
	"net/http"

	"github.com/corspolicy/cors/compile"
)

// Kind classifies a request.
type Kind uint8

const (
	NotCORS   Kind = iota // no Origin header
	Preflight             // OPTIONS with Origin and Access-Control-Request-Method
	Actual                // any other request with an Origin header
)

func (k Kind) String() string {
	return [...]string{"not CORS", "preflight", "actual"}[k]
}

// Check names the check a denied request failed.
type Check uint8

const (
	CheckNone           Check = iota
	CheckOrigin               // no allow rule covers the origin and path, a deny rule does, or the Origin is malformed
	CheckMethod               // the method is not granted
	CheckHeader               // a request header is not granted
	CheckCredentials          // the request has credentials and the grant has none
	CheckPrivateNetwork       // private network access was asked and is not granted
)

func (c Check) String() string {
	return [...]string{"none", "origin", "method", "header", "credentials", "private network"}[c]
}

// Request is what Evaluate looks at in an HTTP request. The slices are the
// header lines as received; nil means the header is absent.
type Request struct {
	Method         string
	Path           string
	Origin         []string
	RequestMethod  []string // Access-Control-Request-Method
	RequestHeaders []string // Access-Control-Request-Headers
	PrivateNetwork string   // Access-Control-Request-Private-Network
	Credentials    bool     // the request carries credentials (cookies)

	// header, when set, is the request's header, where the middleware
	// lets Evaluate look for a Cookie only when the grant has no
	// credentials: most requests are then spared the lookup.
	header http.Header
}

// credentials reports whether the request carries credentials.
func (r *Request) credentials() bool {
	return r.Credentials || r.header != nil && len(r.header["Cookie"]) > 0
}

// Decision is the answer to a request.
type Decision struct {
	Kind    Kind
	Allowed bool   // always true for a request that is not a CORS request
	Failed  Check  // when denied
	Detail  string // when denied: the method or header name at fault, or why the Origin is malformed
	Rules   []*compile.Rule
	Status  int // of a preflight response; 0 for other requests, whose status the handler sets

	// Response headers; "" means not sent.
	AllowOrigin         string
	AllowCredentials    string
	AllowMethods        string
	AllowHeaders        string
	ExposeHeaders       string
	MaxAge              string
	AllowPrivateNetwork string
	Vary                string

	// echoHeaders, when set, replaces AllowHeaders: the request's own
	// lines, for a grant of any header combined with credentials.
	echoHeaders []string
}

// HeaderNames returns the response headers a Decision may carry, in the
// order they are written.
func HeaderNames() []string { return append([]string(nil), headerNames[:]...) }

// headerNames lists the response headers of a Decision in the order they
// are written and dumped.
var headerNames = [...]string{
	"Access-Control-Allow-Origin",
	"Access-Control-Allow-Credentials",
	"Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers",
	"Access-Control-Expose-Headers",
	"Access-Control-Max-Age",
	"Access-Control-Allow-Private-Network",
	"Vary",
}

func (d *Decision) values() [len(headerNames)]string {
	return [...]string{d.AllowOrigin, d.AllowCredentials, d.AllowMethods, d.AllowHeaders,
		d.ExposeHeaders, d.MaxAge, d.AllowPrivateNetwork, d.Vary}
}

// Header returns the response headers of the decision as a new map.
func (d *Decision) Header() http.Header {
	h := http.Header{}
	d.write(h)
	return h
}

// write adds the decision's headers to h. Every value goes into one slice
// made for this response, each header given its own capacity-one window of
// it, so a handler that appends to or edits a header changes only its own
// response: nothing is shared between requests. Vary is added to what is
// already there; the other headers replace any value h holds.
func (d *Decision) write(h http.Header) {
	vals := d.values()
	n := len(d.echoHeaders)
	for _, v := range vals {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	// An empty map, the usual case for a middleware that runs first, has
	// no Vary to keep: the lookup is spared.
	fresh := len(h) == 0
	buf := make([]string, n)
	k := 0
	for i, v := range vals {
		if i == allowHeadersIndex && d.echoHeaders != nil {
			h[headerNames[i]] = buf[k : k+copy(buf[k:], d.echoHeaders) : k+len(d.echoHeaders)]
			k += len(d.echoHeaders)
			continue
		}
		if v == "" {
			continue
		}
		buf[k] = v
		slot := buf[k : k+1 : k+1]
		k++
		if i == varyIndex && !fresh {
			if old := h["Vary"]; len(old) > 0 {
				h["Vary"] = append(old, v)
				continue
			}
		}
		h[headerNames[i]] = slot
	}
}

// Indexes in headerNames of the headers write treats apart.
const (
	allowHeadersIndex = 3
	varyIndex         = len(headerNames) - 1
)
