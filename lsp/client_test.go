package lsp

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/corspolicy/cors/internal/jsonrpc"
	"github.com/corspolicy/cors/lsp/protocol"
)

// A client plays an editor over a pipe to a server running in the test.
type client struct {
	t      *testing.T
	w      *jsonrpc.Writer
	in     io.WriteCloser
	mu     sync.Mutex
	nextID int
	calls  map[string]chan response
	notes  chan note
	done   chan struct{}
	code   int
	err    error
	stdDir string

	published map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *jsonrpc.Error  `json:"error"`
}

type note struct {
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
}

// start runs a server and returns a client connected to it; the server
// must have exited by the end of the test.
func start(t *testing.T) *client {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &client{t: t, w: jsonrpc.NewWriter(inW), in: inW, calls: map[string]chan response{},
		notes: make(chan note, 1000), done: make(chan struct{}), stdDir: t.TempDir(),
		published: map[protocol.DocumentURI][]protocol.PublishDiagnosticsParams{}}
	go func() {
		c.code, c.err = Serve(context.Background(), inR, outW, Options{Version: "test", StdDir: c.stdDir})
		outW.Close()
		close(c.done)
	}()
	go func() {
		r := jsonrpc.NewReader(outR, MaxMessageSize)
		for {
			body, err := r.Read()
			if err != nil {
				close(c.notes)
				return
			}
			var m struct {
				ID json.RawMessage `json:"id"`
				note
				response
			}
			if err := json.Unmarshal(body, &m); err != nil {
				t.Errorf("server sent %q: %v", body, err)
				continue
			}
			if m.Method != "" {
				c.notes <- m.note
				continue
			}
			c.mu.Lock()
			ch := c.calls[string(m.ID)]
			delete(c.calls, string(m.ID))
			c.mu.Unlock()
			if ch == nil {
				t.Errorf("response to no request: %s", body)
				continue
			}
			ch <- m.response
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-c.done:
		case <-time.After(5 * time.Second):
			t.Error("the server did not stop when its input closed")
		}
	})
	return c
}

// send writes a raw message body.
func (c *client) send(body []byte) {
	c.t.Helper()
	if err := c.w.Write(body); err != nil {
		c.t.Fatalf("writing to the server: %v", err)
	}
}

// request sends a request with the given raw body for its params and
// waits for the response.
func (c *client) callRaw(method string, params json.RawMessage) response {
	c.t.Helper()
	c.mu.Lock()
	c.nextID++
	id := strconv.Itoa(c.nextID)
	ch := make(chan response, 1)
	c.calls[id] = ch
	c.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": c.nextID, "method": method, "params": params})
	c.send(body)
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		c.t.Fatalf("no response to %s", method)
	}
	return response{}
}

// call sends a request and decodes its result into result; it fails the
// test on an error response.
func (c *client) call(method string, params, result any) {
	c.t.Helper()
	raw, _ := json.Marshal(params)
	r := c.callRaw(method, raw)
	if r.Error != nil {
		c.t.Fatalf("%s: error response %v", method, r.Error)
	}
	if result != nil {
		if err := json.Unmarshal(r.Result, result); err != nil {
			c.t.Fatalf("%s: result %s: %v", method, r.Result, err)
		}
	}
}

// callErr sends a request that must fail and returns its error.
func (c *client) callErr(method string, params any) *jsonrpc.Error {
	c.t.Helper()
	raw, _ := json.Marshal(params)
	r := c.callRaw(method, raw)
	if r.Error == nil {
		c.t.Fatalf("%s: got result %s, want an error", method, r.Result)
	}
	return r.Error
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": method, "params": params})
	c.send(body)
}

// initialize sends initialize, offering the given position encodings,
// and initialized.
func (c *client) initialize(encodings ...string) protocol.InitializeResult {
	c.t.Helper()
	caps := map[string]any{"textDocument": map[string]any{"documentSymbol": map[string]any{"hierarchicalDocumentSymbolSupport": true}}}
	if encodings != nil {
		caps["general"] = map[string]any{"positionEncodings": encodings}
	}
	var res protocol.InitializeResult
	c.call("initialize", map[string]any{"processId": nil, "rootUri": nil, "capabilities": caps}, &res)
	c.notify("initialized", map[string]any{})
	return res
}

// diagnostics waits for the diagnostics of a document at a version,
// skipping its earlier ones; those of other documents are kept for later.
func (c *client) diagnostics(uri protocol.DocumentURI, version int32) []protocol.Diagnostic {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		for len(c.published[uri]) > 0 {
			p := c.published[uri][0]
			c.published[uri] = c.published[uri][1:]
			if p.Version != nil && *p.Version == version {
				return p.Diagnostics
			}
		}
		select {
		case n, ok := <-c.notes:
			if !ok {
				c.t.Fatalf("the server stopped before the diagnostics of %s version %d", uri, version)
			}
			if n.Method != "textDocument/publishDiagnostics" {
				continue
			}
			var p protocol.PublishDiagnosticsParams
			json.Unmarshal(n.Params, &p)
			c.published[p.URI] = append(c.published[p.URI], p)
		case <-timeout:
			c.t.Fatalf("no diagnostics for %s version %d", uri, version)
		}
	}
}

func (c *client) open(uri protocol.DocumentURI, text string) {
	c.notify("textDocument/didOpen", protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: uri, LanguageID: "cors", Version: 1, Text: text}})
}

// shutdown ends the session as an editor does and checks the exit code.
func (c *client) shutdown() {
	c.t.Helper()
	c.call("shutdown", nil, nil)
	c.notify("exit", nil)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		c.t.Fatal("the server did not exit")
	}
	if c.code != 0 || c.err != nil {
		c.t.Errorf("Serve returned %d, %v; want 0, nil after shutdown and exit", c.code, c.err)
	}
}

func pos(line, char uint32) protocol.Position { return protocol.Position{Line: line, Character: char} }

func rng(l1, c1, l2, c2 uint32) protocol.Range {
	return protocol.Range{Start: pos(l1, c1), End: pos(l2, c2)}
}

func at(uri protocol.DocumentURI, line, char uint32) protocol.TextDocumentPositionParams {
	return protocol.TextDocumentPositionParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri}, Position: pos(line, char)}
}
