// Package cors is CORS policy as code: a small language for the rules by
// which a service lets foreign web origins read its responses, checked
// before it ships and answered per request exactly as the Fetch standard
// requires.
//
// The work is split by capability: package lang reads and prints the
// language, compile turns a policy into a decision table, eval answers
// requests from a table (and wraps net/http), lint finds what a reviewer
// would raise, corstest runs a policy's fixtures, watch reloads a policy
// from its file, and the corsfmt command puts them behind one tool.
// SPEC.md, which this package embeds, is the contract they implement.
package cors

import _ "embed"

//go:embed SPEC.md
var spec string

// Spec returns the text of SPEC.md, the language reference, for tools that
// quote it: corsfmt help and the language server.
func Spec() string { return spec }
