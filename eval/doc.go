// Package eval answers HTTP requests from compiled policies, as the Fetch
// standard's CORS protocol requires: whether the request is a CORS request,
// a preflight or neither; whether it is allowed, and if not which check
// failed; which rules decided; and the exact response headers.
//
// Evaluate is the pure function; Middleware wraps it for net/http.
// Reference is a deliberately naive second implementation, straight over
// the rules, that tests hold Evaluate to.
package eval
