// Package e2e holds the end-to-end suite that holds the engine to a real
// browser: headless Chromium, driven through the DevTools protocol, fetches
// from pages of many origins an API served through the middleware, and the
// tests check that each fetch succeeds exactly when the engine's decision
// says allowed, that scripts read exactly the headers the policy exposes,
// and that preflights are sent exactly when needed and not again while
// cached. The package has no code outside its tests.
package e2e
