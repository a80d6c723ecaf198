package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"unicode/utf8"
)

// Error codes of JSON-RPC 2.0 and of the Language Server Protocol.
const (
	CodeParseError     = -32700
	CodeInvalidRequest = -32600
	CodeMethodNotFound = -32601
	CodeInvalidParams  = -32602
	CodeInternalError  = -32603
	CodeServerNotReady = -32002 // LSP: a request before initialize
	CodeRequestFailed  = -32803 // LSP: a valid request that could not be carried out
)

// An Error is a JSON-RPC error object; a handler returns one to choose the
// code of its error response.
type Error struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d)", e.Message, e.Code) }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// A Request is a request or, when ID is nil, a notification.
type Request struct {
	ID     json.RawMessage // a JSON number or string, as the client sent it
	Method string
	Params json.RawMessage
}

// IsNotification reports whether no response is expected.
func (r *Request) IsNotification() bool { return r.ID == nil }

// A Handler answers requests and takes notifications. Its result is
// encoded as the response's result; an error is sent as an error response,
// with its code when it is an *Error and as an internal error otherwise.
// For a notification the result is dropped, and an error is reported to
// the Conn's log.
type Handler func(ctx context.Context, req *Request) (any, error)

// message is every JSON-RPC message at once, as it is decoded.
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  *string         `json:"method"`
	Params  json.RawMessage `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *Error          `json:"error,omitempty"`
}

type notification struct {
	JSONRPC string `json:"jsonrpc"`
	Method  string `json:"method"`
	Params  any    `json:"params"`
}

// A Conn is one end of a JSON-RPC connection.
type Conn struct {
	r   *Reader
	w   *Writer
	log func(string)
}

// NewConn returns a connection that reads framed messages of at most
// maxMessage bytes from r and writes to w. log receives what cannot be
// answered: malformed notifications, framing errors, failed
// notifications, panics with their stack; it may be nil.
func NewConn(r io.Reader, w io.Writer, maxMessage int, log func(string)) *Conn {
	if log == nil {
		log = func(string) {}
	}
	return &Conn{r: NewReader(r, maxMessage), w: NewWriter(w), log: log}
}

// Notify sends a notification. It is safe to call from any goroutine.
func (c *Conn) Notify(method string, params any) error {
	body, err := json.Marshal(notification{JSONRPC: "2.0", Method: method, Params: params})
	if err != nil {
		return err
	}
	return c.w.Write(body)
}

// Serve reads messages and hands them to h, one at a time, in the order
// they arrive, until the input ends, reading fails, or ctx is done after a
// message is handled. It returns nil at the end of the input or when ctx
// is done, and the read error otherwise.
func (c *Conn) Serve(ctx context.Context, h Handler) error {
	for ctx.Err() == nil {
		body, err := c.r.Read()
		var ferr *FrameError
		switch {
		case errors.As(err, &ferr):
			c.frameError(ferr)
			continue
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
		c.handle(ctx, h, body)
	}
	return nil
}

// frameError answers a message that could not be read when its id can be
// found, and logs it otherwise.
func (c *Conn) frameError(e *FrameError) {
	if id := idFromPrefix(e.Prefix); id != nil {
		c.reply(id, nil, &Error{Code: CodeInvalidRequest, Message: e.Msg})
		return
	}
	c.log(e.Error())
}

// idFromPrefix returns the id of a request from the first bytes of its
// body, when they hold it before anything that does not fit.
func idFromPrefix(prefix []byte) json.RawMessage {
	if prefix == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(prefix))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var method, id json.RawMessage
	for dec.More() && (method == nil || id == nil) {
		key, err := dec.Token()
		if err != nil {
			return nil
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			break // a value cut off at the end of the prefix
		}
		switch key {
		case "id":
			id = v
		case "method":
			method = v
		}
	}
	if method == nil || !validID(id) {
		return nil
	}
	return id
}

func validID(id json.RawMessage) bool {
	if len(id) == 0 {
		return false
	}
	switch c := id[0]; {
	case c == '"':
		var s string
		return json.Unmarshal(id, &s) == nil
	case c == '-' || '0' <= c && c <= '9':
		var n json.Number
		return json.Unmarshal(id, &n) == nil
	}
	return false
}

var null = json.RawMessage("null")

// handle decodes one message and dispatches it.
func (c *Conn) handle(ctx context.Context, h Handler, body []byte) {
	var m message
	if err := json.Unmarshal(body, &m); err != nil {
		if len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '[' {
			c.reply(null, nil, &Error{Code: CodeInvalidRequest, Message: "batches are not supported"})
			return
		}
		c.reply(null, nil, &Error{Code: CodeParseError, Message: "message is not JSON: " + err.Error()})
		return
	}
	isResponse := m.Method == nil
	if m.ID != nil && !validID(m.ID) && !bytes.Equal(m.ID, null) {
		c.reply(null, nil, &Error{Code: CodeInvalidRequest, Message: "id must be a number or a string"})
		return
	}
	if bytes.Equal(m.ID, null) {
		m.ID = nil
	}
	if isResponse && m.ID == nil {
		c.reply(null, nil, &Error{Code: CodeInvalidRequest, Message: "a message needs a method or an id"})
		return
	}
	if isResponse {
		// The server sends no requests, so there is nothing to match.
		return
	}
	req := &Request{ID: m.ID, Method: *m.Method, Params: m.Params}
	if !utf8.Valid(body) {
		// JSON text is UTF-8; a decoder would silently replace the bad
		// bytes, and a document would then not be what the client holds.
		c.fail(req, &Error{Code: CodeParseError, Message: "message is not valid UTF-8"})
		return
	}
	if m.JSONRPC != "2.0" {
		c.fail(req, &Error{Code: CodeInvalidRequest, Message: `jsonrpc must be "2.0"`})
		return
	}
	result, err, panicked := c.call(ctx, h, req)
	if req.IsNotification() {
		if err != nil && !panicked {
			c.log(fmt.Sprintf("%s: %v", req.Method, err))
		}
		return
	}
	if err != nil {
		var rpcErr *Error
		if !errors.As(err, &rpcErr) {
			rpcErr = &Error{Code: CodeInternalError, Message: err.Error()}
		}
		c.reply(req.ID, nil, rpcErr)
		return
	}
	raw, err := json.Marshal(result)
	if err != nil {
		c.reply(req.ID, nil, &Error{Code: CodeInternalError, Message: "encoding the result: " + err.Error()})
		return
	}
	c.reply(req.ID, raw, nil)
}

// call runs the handler, turning a panic, which it logs, into an error.
func (c *Conn) call(ctx context.Context, h Handler, req *Request) (result any, err error, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			c.log(fmt.Sprintf("panic in %s: %v\n%s", req.Method, p, debug.Stack()))
			result, err, panicked = nil, &Error{Code: CodeInternalError, Message: fmt.Sprintf("internal error in %s: %v", req.Method, p)}, true
		}
	}()
	result, err = h(ctx, req)
	return result, err, false
}

// fail answers a request with an error, or logs it for a notification.
func (c *Conn) fail(req *Request, e *Error) {
	if req.IsNotification() {
		c.log(fmt.Sprintf("%s: %s", req.Method, e.Message))
		return
	}
	c.reply(req.ID, nil, e)
}

func (c *Conn) reply(id, result json.RawMessage, e *Error) {
	if e == nil && result == nil {
		result = null
	}
	body, err := json.Marshal(response{JSONRPC: "2.0", ID: id, Result: result, Error: e})
	if err == nil {
		err = c.w.Write(body)
	}
	if err != nil {
		c.log("writing a response: " + err.Error())
	}
}
