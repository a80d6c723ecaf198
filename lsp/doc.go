// Package lsp is the language server of the .cors policy language, behind
// corsfmt lsp: diagnostics as a policy is typed (syntax errors, compile
// errors, lint findings per build, failing fixture cases), formatting
// through the canonical printer, hover from SPEC.md, go to definition,
// references, document symbols, completion and quick fixes.
//
// It speaks the Language Server Protocol 3.17 over a byte stream with
// package internal/jsonrpc. Requests are answered one at a time, in the
// order they arrive; diagnostics are computed by a worker of their own
// and sent when ready, for the latest version of each document. Every
// feature comes from the packages the command uses (lang, compile, lint,
// corstest), so that the editor and corsfmt never disagree.
package lsp
