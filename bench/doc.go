// Package bench benchmarks the CORS middleware of
// github.com/corspolicy/cors against github.com/rs/cors and
// github.com/jub0bs/cors. Everything is in the _test.go files; see README.md.
package bench
