//go:build !unix

package main

import "io/fs"

// writableByUs reports whether the mode of the file lets its owner write
// it: without Unix owners, the owner's bits are all there is.
func writableByUs(info fs.FileInfo) bool { return info.Mode().Perm()&0o200 != 0 }

// modeSurvivesWrite reports whether writing the file leaves its mode as it
// is: there are no setuid bits to lose without Unix.
func modeSurvivesWrite(fs.FileInfo) bool { return true }

// ownerOf names the owner of a file, for messages.
func ownerOf(fs.FileInfo) string { return "owner unknown" }
