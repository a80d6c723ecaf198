package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/corspolicy/cors/internal/jsonrpc"
	"github.com/corspolicy/cors/lang"
	"github.com/corspolicy/cors/lsp/protocol"
)

// Limits of the server. Every input is bounded: a message, a document,
// how many documents are open.
const (
	// MaxMessageSize is the largest message the server reads, in bytes.
	// A document of lang.MaxFileSize fits in one with room for JSON's
	// escapes; a larger message is skipped and, when its id is found in
	// its first 4 KiB, answered with an error.
	MaxMessageSize = 64 << 20
	// MaxDocuments is how many documents may be open at once; a document
	// opened past it is not kept, and requests about it fail.
	MaxDocuments = 1000
	// maxRetained is the largest document text kept. A document over
	// lang.MaxFileSize is kept up to this size, unanalysed, so that edits
	// can bring it back under the limit.
	maxRetained = 2 * lang.MaxFileSize
)

// Options configure a server.
type Options struct {
	// Version is the version the server reports in initialize.
	Version string
	// StdDir is the directory where the standard library's modules are
	// written, read-only, for go-to-definition to open; "" means a
	// directory under os.UserCacheDir, or the temporary directory.
	StdDir string
}

// Server is a language server for .cors and .fixtures files.
type Server struct {
	opts Options
	conn *jsonrpc.Conn
	stop context.CancelFunc

	enc        encoding
	state      int // one of the states below
	exitCode   int
	hierarchal bool

	mu   sync.Mutex
	docs map[protocol.DocumentURI]*document

	diag *publisher
	std  stdFiles
}

const (
	stateNew = iota
	stateRunning
	stateShutDown
)

// Serve runs a language server over in and out (standard input and
// output for corsfmt lsp) until the client sends exit or closes in. It
// returns the exit code the protocol asks for: 0 after shutdown, 1
// otherwise.
func Serve(ctx context.Context, in io.Reader, out io.Writer, opts Options) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s := &Server{opts: opts, stop: cancel, enc: protocol.UTF16, docs: map[protocol.DocumentURI]*document{}, exitCode: 1}
	s.conn = jsonrpc.NewConn(in, out, MaxMessageSize, s.logMessage)
	s.diag = newPublisher(s)
	go s.diag.run(ctx)
	err := s.conn.Serve(ctx, s.handle)
	return s.exitCode, err
}

// logMessage sends a line to the client's log.
func (s *Server) logMessage(msg string) {
	s.conn.Notify("window/logMessage", protocol.LogMessageParams{Type: protocol.MessageLog, Message: msg})
}

// handlers are the server's methods by name; a nil params means a
// notification.
var handlers = map[string]func(s *Server, ctx context.Context, params json.RawMessage) (any, error){
	"initialize":                       (*Server).initialize,
	"initialized":                      ignore,
	"shutdown":                         (*Server).shutdown,
	"exit":                             (*Server).exit,
	"textDocument/didOpen":             (*Server).didOpen,
	"textDocument/didChange":           (*Server).didChange,
	"textDocument/didClose":            (*Server).didClose,
	"textDocument/didSave":             ignore,
	"textDocument/formatting":          (*Server).formatting,
	"textDocument/hover":               (*Server).hover,
	"textDocument/definition":          (*Server).definition,
	"textDocument/references":          (*Server).references,
	"textDocument/documentSymbol":      (*Server).documentSymbol,
	"textDocument/completion":          (*Server).completion,
	"textDocument/codeAction":          (*Server).codeAction,
	"workspace/didChangeConfiguration": ignore,
	"$/cancelRequest":                  ignore, // requests are answered in order, quickly
	"$/setTrace":                       ignore,
}

func ignore(*Server, context.Context, json.RawMessage) (any, error) { return nil, nil }

func (s *Server) handle(ctx context.Context, req *jsonrpc.Request) (any, error) {
	h, ok := handlers[req.Method]
	switch {
	case req.Method == "exit":
	case s.state == stateNew && req.Method != "initialize":
		if req.IsNotification() {
			return nil, nil // dropped, as the protocol says
		}
		return nil, jsonrpc.Errorf(jsonrpc.CodeServerNotReady, "the server is not initialized")
	case s.state == stateShutDown && !req.IsNotification():
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "the server is shut down")
	case !ok && req.IsNotification():
		return nil, nil
	case !ok:
		return nil, jsonrpc.Errorf(jsonrpc.CodeMethodNotFound, "method not supported: %s", req.Method)
	}
	return h(s, ctx, req.Params)
}

// decode decodes a request's params.
func decode[T any](params json.RawMessage) (*T, error) {
	var v T
	if len(params) == 0 {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "missing params")
	}
	if err := json.Unmarshal(params, &v); err != nil {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "invalid params: %v", err)
	}
	return &v, nil
}

func (s *Server) initialize(_ context.Context, params json.RawMessage) (any, error) {
	if s.state != stateNew {
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidRequest, "initialize was already sent")
	}
	p, err := decode[protocol.InitializeParams](params)
	if err != nil {
		return nil, err
	}
	s.enc = protocol.UTF16
	if g := p.Capabilities.General; g != nil {
		// UTF-8 is what the server counts in; UTF-16 is every
		// client's default; UTF-32 only when it is all a client has.
		switch {
		case slices.Contains(g.PositionEncodings, protocol.UTF8):
			s.enc = protocol.UTF8
		case slices.Contains(g.PositionEncodings, protocol.UTF16) || len(g.PositionEncodings) == 0:
		case slices.Contains(g.PositionEncodings, protocol.UTF32):
			s.enc = protocol.UTF32
		}
	}
	if td := p.Capabilities.TextDocument; td != nil && td.DocumentSymbol != nil {
		s.hierarchal = td.DocumentSymbol.HierarchicalDocumentSymbolSupport
	}
	s.state = stateRunning
	return protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding:           string(s.enc),
			TextDocumentSync:           protocol.TextDocumentSyncOptions{OpenClose: true, Change: protocol.SyncIncremental},
			HoverProvider:              true,
			DefinitionProvider:         true,
			ReferencesProvider:         true,
			DocumentSymbolProvider:     true,
			DocumentFormattingProvider: true,
			CompletionProvider:         &protocol.CompletionOptions{TriggerCharacters: []string{".", "\"", "/"}},
			CodeActionProvider:         &protocol.CodeActionOptions{CodeActionKinds: []string{protocol.QuickFix}},
		},
		ServerInfo: protocol.ServerInfo{Name: "corsfmt lsp", Version: s.opts.Version},
	}, nil
}

func (s *Server) shutdown(context.Context, json.RawMessage) (any, error) {
	s.state = stateShutDown
	return nil, nil
}

func (s *Server) exit(context.Context, json.RawMessage) (any, error) {
	if s.state == stateShutDown {
		s.exitCode = 0
	}
	s.stop()
	return nil, nil
}

// doc returns the open document a request names, or an error response.
func (s *Server) doc(uri protocol.DocumentURI) (*document, error) {
	s.mu.Lock()
	d := s.docs[uri]
	s.mu.Unlock()
	switch {
	case d == nil:
		return nil, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "document %s is not open", uri)
	case d.lost != "":
		return nil, jsonrpc.Errorf(jsonrpc.CodeRequestFailed, "document %s: %s; a change that sends the whole text mends it", uri, d.lost)
	case max(len(d.text), d.dropped) > lang.MaxFileSize:
		return nil, jsonrpc.Errorf(jsonrpc.CodeRequestFailed, "document %s is %d bytes, over the limit of %d", uri, max(len(d.text), d.dropped), lang.MaxFileSize)
	}
	return d, nil
}

// docByPath returns the open document of a file, or nil.
func (s *Server) docByPath(path string) *document {
	return s.docByURI(fileURI(path))
}

func (s *Server) docByURI(uri protocol.DocumentURI) *document {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.docs[uri]
}

func (s *Server) didOpen(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.DidOpenTextDocumentParams](params)
	if err != nil {
		return nil, err
	}
	td := p.TextDocument
	s.mu.Lock()
	_, open := s.docs[td.URI]
	full := !open && len(s.docs) >= MaxDocuments
	s.mu.Unlock()
	if full {
		return nil, fmt.Errorf("%s not opened: %d documents are open, the most the server keeps", td.URI, MaxDocuments)
	}
	text := td.Text
	if len(text) > maxRetained {
		text = "" // not kept; the size is reported
	}
	d := newDocument(s, td.URI, td.Version, text)
	if text == "" && td.Text != "" {
		d.dropped = len(td.Text)
	}
	s.put(d)
	return nil, nil
}

func (s *Server) didChange(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.DidChangeTextDocumentParams](params)
	if err != nil {
		return nil, err
	}
	old := s.docByURI(p.TextDocument.URI)
	if old == nil {
		return nil, fmt.Errorf("change of %s, which is not open", p.TextDocument.URI)
	}
	d, err := old.withChanges(s.enc, p.TextDocument.Version, p.ContentChanges)
	if err != nil {
		// The text can no longer be followed: say so, until a change
		// sends the whole text again.
		d = newDocument(s, old.uri, p.TextDocument.Version, "")
		d.lost = err.Error()
		s.put(d)
		return nil, fmt.Errorf("%s: %v", old.uri, err)
	}
	s.put(d)
	return nil, nil
}

// put stores a new version of a document and has it and the documents
// that depend on it diagnosed again.
func (s *Server) put(d *document) {
	s.mu.Lock()
	s.docs[d.uri] = d
	var dependents []*document
	for _, o := range s.docs {
		if a := o.ready.Load(); o != d && a != nil && d.path != "" && slices.Contains(a.deps, d.path) {
			fresh := o.fresh()
			s.docs[o.uri] = fresh
			dependents = append(dependents, fresh)
		}
	}
	s.mu.Unlock()
	s.diag.schedule(d.uri)
	for _, o := range dependents {
		s.diag.schedule(o.uri)
	}
}

func (s *Server) didClose(_ context.Context, params json.RawMessage) (any, error) {
	p, err := decode[protocol.DidCloseTextDocumentParams](params)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	delete(s.docs, p.TextDocument.URI)
	var dependents []*document
	for _, o := range s.docs {
		if a := o.ready.Load(); d != nil && d.path != "" && a != nil && slices.Contains(a.deps, d.path) {
			fresh := o.fresh()
			s.docs[o.uri] = fresh
			dependents = append(dependents, fresh)
		}
	}
	s.mu.Unlock()
	s.diag.schedule(p.TextDocument.URI) // publishes no diagnostics for a closed document
	for _, o := range dependents {
		s.diag.schedule(o.uri)
	}
	return nil, nil
}
