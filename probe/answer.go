package probe

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/eval"
)

// Bounds on what the probe reads of an answer. Past MaxHeaderBytes the
// response is refused by the HTTP client; past MaxBodyBytes the body is not
// read (the connection is closed instead); a value printed in a report is
// clipped to MaxReportedValue bytes.
const (
	MaxHeaderBytes   = 64 << 10
	MaxBodyBytes     = 4 << 10
	MaxReportedValue = 1 << 10
)

// Answer is what the probe keeps of a response: its status and its CORS
// headers (the Access-Control-* headers a Decision writes, and Vary), every
// line as received.
type Answer struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
}

// corsHeaders are the response headers an Answer keeps.
var corsHeaders = eval.HeaderNames()

// answerOf reads the answer from a response's status and headers. It does
// not touch the body.
func answerOf(resp *http.Response) *Answer {
	a := &Answer{Status: resp.StatusCode, Header: http.Header{}}
	for _, name := range corsHeaders {
		if v := resp.Header.Values(name); len(v) > 0 {
			a.Header[name] = slices.Clone(v)
		}
	}
	return a
}

// drainBody reads at most MaxBodyBytes of the body, so that a short body
// lets the connection be reused, and closes it.
func drainBody(body io.ReadCloser) {
	io.CopyN(io.Discard, body, MaxBodyBytes)
	body.Close()
}

// engineAnswer is the answer the middleware gives for a decision: the
// status of a preflight (the handler sets that of other requests, so it is
// 0 there and not compared) and the headers it writes.
func engineAnswer(d *eval.Decision) *Answer {
	a := &Answer{Header: d.Header()}
	if d.Kind == eval.Preflight {
		a.Status = d.Status
	}
	return a
}

// get returns the value of a header of the answer, its lines joined with
// ", ", and whether it was sent.
func (a *Answer) get(name string) (string, bool) {
	if a == nil {
		return "", false
	}
	v, ok := a.Header[name]
	return strings.Join(v, ", "), ok
}

// single returns the value of a header sent on exactly one line.
func (a *Answer) single(name string) (string, bool) {
	if a == nil || len(a.Header[name]) != 1 {
		return "", false
	}
	return a.Header[name][0], true
}

// allowOrigin returns Access-Control-Allow-Origin when it is sent on one
// line.
func (a *Answer) allowOrigin() (string, bool) { return a.single("Access-Control-Allow-Origin") }

// credentials reports whether the answer allows credentials as a browser
// reads it: Access-Control-Allow-Credentials exactly "true", on one line.
func (a *Answer) credentials() bool {
	v, ok := a.single("Access-Control-Allow-Credentials")
	return ok && v == "true"
}

// ok reports whether the status is in the 2xx range, as a preflight's must be.
func (a *Answer) ok() bool { return a != nil && a.Status >= 200 && a.Status <= 299 }

// interim reports whether the status is 1xx. The Fetch standard's
// HTTP-network fetch skips such a response and waits for the final one,
// except a 101 to a WebSocket handshake, which is no CORS request: after a
// 101 the connection speaks another protocol and no final response comes,
// so the page gets a network error. Go's client returns only a 101 of them
// (it skips the others itself).
func (a *Answer) interim() bool { return a != nil && a.Status >= 100 && a.Status <= 199 }

// headerList splits comma-separated header lines into their items, trimmed
// of spaces and tabs, empty items left out.
func headerList(lines []string) []string {
	var out []string
	for _, line := range lines {
		for item := range strings.SplitSeq(line, ",") {
			if item = strings.Trim(item, " \t"); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// listHas reports whether the list holds item, ignoring case when fold is set.
func listHas(list []string, item string, fold bool) bool {
	for _, v := range list {
		if v == item || fold && strings.EqualFold(v, item) {
			return true
		}
	}
	return false
}

// clip returns v, cut to MaxReportedValue bytes with a note of what was cut.
func clip(v string) string {
	if len(v) <= MaxReportedValue {
		return v
	}
	cut := MaxReportedValue
	for cut > 0 && v[cut]&0xC0 == 0x80 { // not in the middle of a UTF-8 sequence
		cut--
	}
	return v[:cut] + "…(" + strconv.Itoa(len(v)-cut) + " more bytes)"
}
