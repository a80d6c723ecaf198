package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// serve runs a Conn over the framed messages in input and returns the
// bodies it wrote and what it logged.
func serve(t *testing.T, max int, h Handler, messages ...string) (out []string, logged []string) {
	t.Helper()
	var in bytes.Buffer
	w := NewWriter(&in)
	for _, m := range messages {
		w.Write([]byte(m))
	}
	var outBuf bytes.Buffer
	c := NewConn(&in, &outBuf, max, func(s string) { logged = append(logged, s) })
	if err := c.Serve(context.Background(), h); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	r := NewReader(&outBuf, 1<<20)
	for {
		body, err := r.Read()
		if err != nil {
			break
		}
		out = append(out, string(body))
	}
	return out, logged
}

func echo(ctx context.Context, req *Request) (any, error) {
	switch req.Method {
	case "echo":
		return req.Params, nil
	case "fail":
		return nil, Errorf(CodeRequestFailed, "failed as asked")
	case "plain-error":
		return nil, errors.New("plain")
	case "panic":
		var p *Request
		_ = p.Method // a nil pointer: panics
	case "nothing":
		return nil, nil
	}
	return nil, Errorf(CodeMethodNotFound, "no method %s", req.Method)
}

func TestConnAnswers(t *testing.T) {
	out, logged := serve(t, 1<<10, echo,
		`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":[1,2]}}`,
		`{"jsonrpc":"2.0","id":"s","method":"fail"}`,
		`{"jsonrpc":"2.0","id":2,"method":"plain-error"}`,
		`{"jsonrpc":"2.0","id":3,"method":"panic"}`,
		`{"jsonrpc":"2.0","id":4,"method":"nothing"}`,
		`{"jsonrpc":"2.0","id":5,"method":"unknown"}`,
		`{"jsonrpc":"2.0","method":"panic"}`,         // a notification: no answer, logged
		`{"jsonrpc":"2.0","method":"unknown"}`,       // logged
		`{"jsonrpc":"2.0","id":6,"result":null}`,     // a response: ignored
		`not json`,                                   // parse error, id null
		`[{"jsonrpc":"2.0","id":7,"method":"echo"}]`, // batches are refused
		`{"jsonrpc":"2.0","id":{},"method":"echo"}`,  // bad id
		`{"jsonrpc":"1.0","id":8,"method":"echo"}`,
		`{"jsonrpc":"2.0","id":9,"method":"echo","params":"`+"\xff"+`"}`,
		`{"jsonrpc":"2.0"}`,
		`{"jsonrpc":"2.0","id":10,"method":"echo","params":"`+strings.Repeat("x", 2000)+`"}`, // over the limit
		`{"jsonrpc":"2.0","id":11,"method":"echo","params":"still alive"}`,
	)
	want := []string{
		`{"jsonrpc":"2.0","id":1,"result":{"a":[1,2]}}`,
		`{"jsonrpc":"2.0","id":"s","error":{"code":-32803,"message":"failed as asked"}}`,
		`{"jsonrpc":"2.0","id":2,"error":{"code":-32603,"message":"plain"}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"internal error in panic: runtime error: invalid memory address or nil pointer dereference"}}`,
		`{"jsonrpc":"2.0","id":4,"result":null}`,
		`{"jsonrpc":"2.0","id":5,"error":{"code":-32601,"message":"no method unknown"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"message is not JSON: invalid character 'o' in literal null (expecting 'u')"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batches are not supported"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"id must be a number or a string"}}`,
		`{"jsonrpc":"2.0","id":8,"error":{"code":-32600,"message":"jsonrpc must be \"2.0\""}}`,
		`{"jsonrpc":"2.0","id":9,"error":{"code":-32700,"message":"message is not valid UTF-8"}}`,
		`{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"a message needs a method or an id"}}`,
		`{"jsonrpc":"2.0","id":10,"error":{"code":-32600,"message":"message of 2053 bytes is over the limit of 1024"}}`,
		`{"jsonrpc":"2.0","id":11,"result":"still alive"}`,
	}
	if got := strings.Join(out, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("responses:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	// Both panics, the request's and the notification's, are logged with
	// their stacks; the unknown notification once.
	if len(logged) != 3 || !strings.Contains(logged[0], "panic in panic") || !strings.Contains(logged[0], "goroutine") ||
		!strings.Contains(logged[1], "panic in panic") || logged[2] != "unknown: no method unknown (-32601)" {
		t.Errorf("logged %q", logged)
	}
}

func TestConnLogsUnanswerable(t *testing.T) {
	_, logged := serve(t, 50, echo,
		`{"jsonrpc":"2.0","method":"echo","params":"a notification over the limit"}`,
		`{"jsonrpc":"2.0","method":"echo","params":"`+"\xff"+`"}`,
	)
	want := []string{"jsonrpc: message of 74 bytes is over the limit of 50", "echo: message is not valid UTF-8"}
	if strings.Join(logged, "\n") != strings.Join(want, "\n") {
		t.Errorf("logged %q, want %q", logged, want)
	}
}

func TestConnStopsWhenContextIsDone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var in bytes.Buffer
	w := NewWriter(&in)
	w.Write([]byte(`{"jsonrpc":"2.0","method":"exit"}`))
	w.Write([]byte(`{"jsonrpc":"2.0","id":1,"method":"echo"}`))
	var out bytes.Buffer
	handled := 0
	err := NewConn(&in, &out, 100, nil).Serve(ctx, func(ctx context.Context, req *Request) (any, error) {
		handled++
		cancel()
		return nil, nil
	})
	if err != nil || handled != 1 || out.Len() != 0 {
		t.Errorf("Serve = %v after %d messages, wrote %q; want it to stop after the first", err, handled, out.String())
	}
}

func TestNotify(t *testing.T) {
	var out bytes.Buffer
	c := NewConn(strings.NewReader(""), &out, 100, nil)
	if err := c.Notify("window/logMessage", map[string]any{"type": 3, "message": "hi"}); err != nil {
		t.Fatal(err)
	}
	body, err := NewReader(&out, 100).Read()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(body, &m)
	if m["jsonrpc"] != "2.0" || m["method"] != "window/logMessage" || m["id"] != nil {
		t.Errorf("notification %s", body)
	}
}
