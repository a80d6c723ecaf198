//go:build !unix

package lang

// openNonBlocking is 0 where named pipes are not files to open.
const openNonBlocking = 0
