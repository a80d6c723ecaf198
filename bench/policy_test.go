package bench

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/corspolicy/cors/compile"
	"github.com/corspolicy/cors/eval"
	jub0bs "github.com/jub0bs/cors"
	rscors "github.com/rs/cors"
)

// The grants every policy of the benchmark makes, whatever its origins.
var (
	grantMethods = []string{"GET", "POST", "PUT", "DELETE"}
	grantHeaders = []string{"Authorization", "Content-Type", "X-Request-Id"}
	grantExpose  = []string{"X-Request-Id"}
)

const maxAgeSeconds = 600 // max-age 10m

// policy is one CORS policy, to be expressed in each library's terms.
type policy struct {
	exact []string // exact origins
	wild  []string // wildcard origin patterns, https://*.host
}

var basePolicy = policy{exact: []string{"https://app.example.com", "https://admin.example.com"}}

const wildcardPatterns = 100

// generatedPolicy returns n exact origins https://appNNNNNN.example.com and
// 100 wildcard patterns https://*.tenantNNN.example.net.
func generatedPolicy(n int) policy {
	var p policy
	for i := 1; i <= n; i++ {
		p.exact = append(p.exact, exactOrigin(i))
	}
	for i := range wildcardPatterns {
		p.wild = append(p.wild, fmt.Sprintf("https://*.tenant%03d.example.net", i))
	}
	return p
}

func exactOrigin(i int) string { return fmt.Sprintf("https://app%06d.example.com", i) }

// lastWildcardOrigin is matched only by the last wildcard pattern.
var lastWildcardOrigin = fmt.Sprintf("https://x.tenant%03d.example.net", wildcardPatterns-1)

func (p policy) all() []string { return append(append([]string{}, p.exact...), p.wild...) }

// source renders p in the .cors language. Origins go into named sets, one
// value per line: 10,000 origins on one line would pass the 64 KiB line
// limit.
func (p policy) source() string {
	var b strings.Builder
	b.WriteString("cors 1\n\n")
	set := func(name string, values []string) {
		fmt.Fprintf(&b, "origins %s =\n", name)
		for i, v := range values {
			sep := ","
			if i == len(values)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "    %q%s\n", v, sep)
		}
		b.WriteString("\n")
	}
	var refs []string
	if len(p.exact) > 0 {
		set("many", p.exact)
		refs = append(refs, "many")
	}
	if len(p.wild) > 0 {
		set("wild", p.wild)
		refs = append(refs, "wild")
	}
	fmt.Fprintf(&b, "policy api {\n    allow %s {\n", strings.Join(refs, ", "))
	fmt.Fprintf(&b, "        methods %s\n", quoteList(grantMethods))
	fmt.Fprintf(&b, "        headers %s\n", quoteList(grantHeaders))
	fmt.Fprintf(&b, "        expose  %s\n", quoteList(grantExpose))
	b.WriteString("        credentials\n")
	b.WriteString("        max-age 10m\n")
	b.WriteString("    }\n}\n")
	return b.String()
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

// impl builds one library's middleware around next; "floor" is the
// hand-written handler of floor_test.go, with a fresh slice per response.
type impl struct {
	name string
	// prepare does the work that is not construction (rendering the .cors
	// source) and returns the constructor, which BenchmarkBuild times.
	prepare func(p policy) func(next http.Handler) (http.Handler, error)
}

var impls = []impl{
	{"floor", func(p policy) func(http.Handler) (http.Handler, error) {
		return func(next http.Handler) (http.Handler, error) {
			return floorHandler(p, true, next), nil
		}
	}},
	{"ours", func(p policy) func(http.Handler) (http.Handler, error) {
		src := []byte(p.source())
		return func(next http.Handler) (http.Handler, error) {
			prog, err := compile.CompileSource("bench.cors", src, compile.Options{})
			if err != nil {
				return nil, err
			}
			tab, err := prog.Policy("api")
			if err != nil {
				return nil, err
			}
			return eval.NewMiddleware(tab).Wrap(next), nil
		}
	}},
	{"rscors", func(p policy) func(http.Handler) (http.Handler, error) {
		origins := p.all()
		return func(next http.Handler) (http.Handler, error) {
			c := rscors.New(rscors.Options{
				AllowedOrigins:   origins,
				AllowedMethods:   grantMethods,
				AllowedHeaders:   grantHeaders,
				ExposedHeaders:   grantExpose,
				AllowCredentials: true,
				MaxAge:           maxAgeSeconds,
			})
			return c.Handler(next), nil
		}
	}},
	{"jub0bs", func(p policy) func(http.Handler) (http.Handler, error) {
		origins := p.all()
		return func(next http.Handler) (http.Handler, error) {
			m, err := jub0bs.NewMiddleware(jub0bs.Config{
				Origins:         origins,
				Credentialed:    true,
				Methods:         grantMethods,
				RequestHeaders:  grantHeaders,
				MaxAgeInSeconds: maxAgeSeconds,
				ResponseHeaders: grantExpose,
			})
			if err != nil {
				return nil, err
			}
			return m.Wrap(next), nil
		}
	}},
}

// noop is the handler every middleware wraps.
var noop = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})

// policies caches the policies by name, so that a generated policy is
// built once however many scenarios and implementations use it.
var policies = struct {
	sync.Mutex
	m map[string]policy
}{m: map[string]policy{}}

func policyNamed(name string) policy {
	policies.Lock()
	defer policies.Unlock()
	if p, ok := policies.m[name]; ok {
		return p
	}
	var p policy
	switch name {
	case "base":
		p = basePolicy
	default:
		var n int
		if _, err := fmt.Sscanf(name, "origins%d", &n); err != nil {
			panic("bad policy name " + name)
		}
		p = generatedPolicy(n)
	}
	policies.m[name] = p
	return p
}

// scenario is one request against one policy.
type scenario struct {
	name   string
	policy string // "base" or "originsN"
	req    *http.Request
	// allowed is the decision the policy calls for; nonCORS requests are
	// not CORS requests, so no Access-Control-Allow-Origin is expected.
	allowed bool
}

func newRequest(method, origin string, hdr map[string]string) *http.Request {
	r, err := http.NewRequest(method, "https://api.example.com/items/42", nil)
	if err != nil {
		panic(err)
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	return r
}

const (
	appOrigin  = "https://app.example.com"
	evilOrigin = "https://evil.example.net"
)

func preflight(origin, acrh string) *http.Request {
	return newRequest(http.MethodOptions, origin, map[string]string{
		"Access-Control-Request-Method":  http.MethodPut,
		"Access-Control-Request-Headers": acrh,
	})
}

const normalACRH = "authorization,content-type"

// The hostile requests: an Access-Control-Request-Headers of 1 MiB, and an
// Origin of 64 KiB. Both are denied at once by every implementation.
var (
	hostileACRH   = strings.Repeat("a,", 512<<10)
	hostileOrigin = "https://" + strings.Repeat("a", 64<<10) + ".example.com"
)

// originCounts are the sizes of the generated policies.
var originCounts = []int{1, 100, 10000, 100000}

// scenarios lists the benchmarked requests, in the order they are reported.
var scenarios = func() []scenario {
	s := []scenario{
		{"nonCORS", "base", newRequest(http.MethodGet, "", nil), false},
		{"actualAllowed", "base", newRequest(http.MethodGet, appOrigin, nil), true},
		{"actualDenied", "base", newRequest(http.MethodGet, evilOrigin, nil), false},
		{"preflightAllowed", "base", preflight(appOrigin, normalACRH), true},
		{"preflightDenied", "base", preflight(evilOrigin, normalACRH), false},
		{"preflightHostileACRH", "base", preflight(appOrigin, hostileACRH), false},
		{"actualHostileOrigin", "base", newRequest(http.MethodGet, hostileOrigin, nil), false},
	}
	for _, n := range originCounts {
		pol := fmt.Sprintf("origins%d", n)
		s = append(s,
			scenario{pol + "_lastExact", pol, preflight(exactOrigin(n), normalACRH), true},
			scenario{pol + "_lastWildcard", pol, preflight(lastWildcardOrigin, normalACRH), true},
			scenario{pol + "_missActual", pol, newRequest(http.MethodGet, evilOrigin, nil), false},
			scenario{pol + "_missPreflight", pol, preflight(evilOrigin, normalACRH), false},
		)
	}
	return s
}()

// handlers caches the middleware of each policy and implementation, built
// once, outside any timed loop.
var handlers = struct {
	sync.Mutex
	m map[[2]string]http.Handler
}{m: map[[2]string]http.Handler{}}

func handlerFor(policyName string, im impl, next http.Handler) (http.Handler, error) {
	if next != nil {
		return im.prepare(policyNamed(policyName))(next)
	}
	handlers.Lock()
	defer handlers.Unlock()
	key := [2]string{policyName, im.name}
	if h, ok := handlers.m[key]; ok {
		return h, nil
	}
	h, err := im.prepare(policyNamed(policyName))(noop)
	if err != nil {
		return nil, err
	}
	handlers.m[key] = h
	return h, nil
}
