package probe

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/corspolicy/cors/region"
)

// Probe is one request the probe sends: a check of the battery, or the
// witness of a decision region of the policy.
type Probe struct {
	Check          string         // the battery check, or "" for a region
	Region         *region.Region // the region, or nil for the battery
	Method         string
	Path           string
	Origin         []string // one line each; nil for none
	RequestMethod  string   // Access-Control-Request-Method, for a preflight
	RequestHeaders string   // Access-Control-Request-Headers
	PrivateNetwork bool     // Access-Control-Request-Private-Network: true
	Cookie         bool     // a Cookie header: the request carries credentials

	// What came back: an answer, or the error that kept it away.
	Answer *Answer
	Err    error
}

// ProbeCookie is the Cookie header a request with credentials carries.
const ProbeCookie = "corsfmt_probe=1"

// header returns the headers the probe sets on the request, the
// User-Agent aside.
func (p *Probe) header() http.Header {
	h := http.Header{}
	if p.Origin != nil {
		h["Origin"] = p.Origin
	}
	if p.RequestMethod != "" {
		h.Set("Access-Control-Request-Method", p.RequestMethod)
	}
	if p.RequestHeaders != "" {
		h.Set("Access-Control-Request-Headers", p.RequestHeaders)
	}
	if p.PrivateNetwork {
		h.Set("Access-Control-Request-Private-Network", "true")
	}
	if p.Cookie {
		h.Set("Cookie", ProbeCookie)
	}
	return h
}

// origin returns the request's first Origin line, or "".
func (p *Probe) origin() string {
	if len(p.Origin) == 0 {
		return ""
	}
	return p.Origin[0]
}

// Clock is the time the probe keeps: Now for the report's elapsed time, and
// Sleep for the rate limit. Tests give a fake one, so that no test sleeps.
type Clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx is done, and returns ctx's error then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limiter spaces the starts of requests by interval at least.
type limiter struct {
	clock    Clock
	interval time.Duration
	next     time.Time // when the next request may start; zero before the first
}

// wait returns when the next request may start.
func (l *limiter) wait(ctx context.Context) error {
	now := l.clock.Now()
	if !l.next.IsZero() && now.Before(l.next) {
		if err := l.clock.Sleep(ctx, l.next.Sub(now)); err != nil {
			return err
		}
		now = l.next
	}
	l.next = now.Add(l.interval)
	return nil
}

// errBudget is returned by a sender asked for more requests than its budget.
var errBudget = errors.New("the request budget is spent")

// sender sends probes to one service, one at a time, within a budget and a
// rate.
type sender struct {
	client    *http.Client
	base      *url.URL
	userAgent string
	limit     limiter
	budget    int
	sent      int
}

// newClient returns the HTTP client of a probe: it never follows a
// redirect, gives each request timeout in all, refuses response headers
// past MaxHeaderBytes, asks for no compression, and uses the proxy the
// environment names.
//
// It sends each request on a connection of its own, over HTTP/1.1, so
// that every request on the wire is one the budget counted. net/http
// resends a GET, HEAD or OPTIONS that fails on a reused keep-alive
// connection, and its HTTP/2 client resends, up to 6 times, a request
// the service refuses (REFUSED_STREAM, GOAWAY), whatever the connection:
// a service that reset every second request of a connection got nearly
// twice the budget. A connection that is never reused is never retried.
func newClient(timeout time.Duration) *http.Client {
	var http1 http.Protocols
	http1.SetHTTP1(true)
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: timeout}).DialContext,
			TLSHandshakeTimeout:    timeout,
			ResponseHeaderTimeout:  timeout,
			MaxResponseHeaderBytes: MaxHeaderBytes,
			DisableCompression:     true,
			DisableKeepAlives:      true,
			Protocols:              &http1,
		},
		Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// send sends p and records its answer or error in it.
func (s *sender) send(ctx context.Context, p *Probe) error {
	if s.sent >= s.budget {
		return errBudget
	}
	if err := s.limit.wait(ctx); err != nil {
		return err
	}
	s.sent++
	u := *s.base
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p.Path, "", "", ""
	req, err := http.NewRequestWithContext(ctx, p.Method, u.String(), nil)
	if err != nil {
		p.Err = err
		return nil
	}
	req.Header = p.header()
	req.Header.Set("User-Agent", s.userAgent)
	resp, err := s.client.Do(req)
	if err != nil {
		p.Err = cleanError(err)
		return nil
	}
	p.Answer = answerOf(resp)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// The body of a 101 is the connection itself, in whatever
		// protocol the service switched to, and the client's timeout
		// does not cover it: reading it waited for ever on a service
		// that then fell silent.
		resp.Body.Close()
		return nil
	}
	drainBody(resp.Body)
	return nil
}

// cleanError drops the method and URL that net/http puts in front of a
// transport error: the report prints the request beside it.
func cleanError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		msg := ue.Err.Error()
		if ue.Timeout() && !strings.Contains(msg, "timeout") {
			msg = "timeout: " + msg
		}
		return errors.New(msg)
	}
	return err
}
