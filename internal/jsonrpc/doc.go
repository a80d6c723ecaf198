// Package jsonrpc speaks JSON-RPC 2.0 over a byte stream framed as the
// Language Server Protocol frames it (Content-Length headers), which is
// what a language server needs of it and no more: a Reader and a Writer
// of framed messages, and a Conn that reads requests and notifications,
// hands them to a Handler one at a time, in order, and writes the
// responses.
//
// Every input is bounded: header lines and blocks by the constants of this
// package, bodies by the limit the caller gives. A malformed message is
// answered with an error or reported, and the connection goes on; a
// handler that panics fails its own request, not the connection.
package jsonrpc
