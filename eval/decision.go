package eval

import (
	"net/http"
	"strings"

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
	CheckPath                 // the path holds what routers read in different ways: a dot segment, an escaped slash
)

func (c Check) String() string {
	return [...]string{"none", "origin", "method", "header", "credentials", "private network", "path"}[c]
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
	// lets Evaluate read the headers the answer may not need, only when
	// it does: Cookie when the grant has no credentials, the preflight's
	// request headers and private network request once its origin and
	// method pass. The fields above stand for them then.
	header http.Header
}

// credentials reports whether the request carries credentials: a Cookie
// header, on a request that is not a preflight.
func (r *Request) credentials() bool {
	if r.header == nil {
		return r.Credentials
	}
	return r.RequestMethod == nil && len(r.header["Cookie"]) > 0
}

// requestHeaders returns the Access-Control-Request-Headers lines of a
// preflight.
func (r *Request) requestHeaders() []string {
	if r.header == nil || r.RequestMethod == nil {
		return r.RequestHeaders
	}
	return r.header["Access-Control-Request-Headers"]
}

// privateNetwork returns the Access-Control-Request-Private-Network value
// of a preflight.
func (r *Request) privateNetwork() string {
	if r.header == nil || r.RequestMethod == nil {
		return r.PrivateNetwork
	}
	if v := r.header["Access-Control-Request-Private-Network"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// resolve reads into the fields what header stands for.
func (r *Request) resolve() {
	if r.header == nil {
		return
	}
	r.Credentials, r.RequestHeaders, r.PrivateNetwork = r.credentials(), r.requestHeaders(), r.privateNetwork()
	r.header = nil
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

// The response headers a Decision may carry.
const (
	headerAllowOrigin         = "Access-Control-Allow-Origin"
	headerAllowCredentials    = "Access-Control-Allow-Credentials"
	headerAllowMethods        = "Access-Control-Allow-Methods"
	headerAllowHeaders        = "Access-Control-Allow-Headers"
	headerExposeHeaders       = "Access-Control-Expose-Headers"
	headerMaxAge              = "Access-Control-Max-Age"
	headerAllowPrivateNetwork = "Access-Control-Allow-Private-Network"
	headerVary                = "Vary"
)

// headerNames lists the response headers of a Decision in the order they
// are written and dumped.
var headerNames = [...]string{headerAllowOrigin, headerAllowCredentials, headerAllowMethods,
	headerAllowHeaders, headerExposeHeaders, headerMaxAge, headerAllowPrivateNetwork, headerVary}

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
	// An empty map, the usual case for a middleware that runs first, has
	// no Vary to keep: the lookup is spared.
	fresh := len(h) == 0
	if d.AllowOrigin == "" {
		// Denied, or not CORS: the Decision holds at most Vary.
		if d.Vary != "" {
			addVary(h, fresh, []string{d.Vary})
		}
		return
	}
	if d.AllowMethods == "" && d.AllowHeaders == "" && d.MaxAge == "" && d.AllowPrivateNetwork == "" && d.echoHeaders == nil {
		// An actual request's answer: these four at most.
		buf := make([]string, 1+sent(d.AllowCredentials)+sent(d.ExposeHeaders)+sent(d.Vary))
		buf[0] = d.AllowOrigin
		h[headerAllowOrigin] = buf[0:1:1]
		i := 1
		if d.AllowCredentials != "" {
			buf[i] = d.AllowCredentials
			h[headerAllowCredentials] = buf[i : i+1 : i+1]
			i++
		}
		if d.ExposeHeaders != "" {
			buf[i] = d.ExposeHeaders
			h[headerExposeHeaders] = buf[i : i+1 : i+1]
			i++
		}
		if d.Vary != "" {
			buf[i] = d.Vary
			addVary(h, fresh, buf[i:i+1:i+1])
		}
		return
	}
	// Any other answer, a preflight's: the headers it sends, in order, and
	// the request's own header lines where they are echoed.
	var names, values [8]string
	n := 0
	add := func(name, v string) {
		if v != "" {
			names[n], values[n] = name, v
			n++
		}
	}
	add(headerAllowOrigin, d.AllowOrigin)
	add(headerAllowCredentials, d.AllowCredentials)
	add(headerAllowMethods, d.AllowMethods)
	echoAt := -1
	if d.echoHeaders == nil {
		add(headerAllowHeaders, d.AllowHeaders)
	} else {
		echoAt = n
	}
	add(headerExposeHeaders, d.ExposeHeaders)
	add(headerMaxAge, d.MaxAge)
	add(headerAllowPrivateNetwork, d.AllowPrivateNetwork)
	buf := make([]string, n+len(d.echoHeaders)+sent(d.Vary))
	copy(buf, values[:n])
	for i := range n {
		h[names[i]] = buf[i : i+1 : i+1]
	}
	i := n
	if echoAt >= 0 {
		// The request's own lines, checked already; a line that holds
		// no name (empty, or commas and blanks) says nothing worth echoing.
		for _, line := range d.echoHeaders {
			if strings.TrimLeft(line, " \t,") != "" {
				buf[i] = line
				i++
			}
		}
		if i > n {
			h[headerAllowHeaders] = buf[n:i:i]
		}
	}
	if d.Vary != "" {
		buf[i] = d.Vary
		addVary(h, fresh, buf[i:i+1:i+1])
	}
}

// sent counts a header value: 1 unless it is empty.
func sent(v string) int {
	if v == "" {
		return 0
	}
	return 1
}

// addVary adds the slot, a fresh one-value slice, to the Vary header of h;
// fresh says h is empty.
func addVary(h http.Header, fresh bool, slot []string) {
	if !fresh {
		if old := h[headerVary]; len(old) > 0 {
			// A slice another layer set, which it may hand every
			// response: appended to in a copy, never in its spare room.
			h[headerVary] = append(old[:len(old):len(old)], slot[0])
			return
		}
	}
	h[headerVary] = slot
}
