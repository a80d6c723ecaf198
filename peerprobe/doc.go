// Package peerprobe runs corsfmt probe's checks against other Go CORS
// middleware on loopback: rs/cors configured to reflect any origin with
// credentials, gorilla/handlers with its defaults, and jub0bs/cors with a
// strict configuration. It is a module of its own, as bench/ is, so that
// the library never depends on the peers. Everything is in the _test.go
// files.
package peerprobe
