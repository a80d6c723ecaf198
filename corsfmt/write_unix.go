//go:build unix

package main

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"syscall"
)

// writableByUs reports whether the mode of the file lets us write it: the
// owner's bits when we own it, the group's when we are in its group, the
// others' otherwise. Root is held to the same bits, since a file made
// read-only, by root or by another user, says it is not to be changed.
func writableByUs(info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	perm := info.Mode().Perm()
	if !ok {
		return perm&0o200 != 0
	}
	switch {
	case int(st.Uid) == os.Geteuid():
		return perm&0o200 != 0
	case inGroup(int(st.Gid)):
		return perm&0o020 != 0
	}
	return perm&0o002 != 0
}

func inGroup(gid int) bool {
	if gid == os.Getegid() {
		return true
	}
	groups, err := os.Getgroups()
	return err == nil && slices.Contains(groups, gid)
}

// modeSurvivesWrite reports whether writing the file leaves its mode as it
// is, or lets us put it back: Linux clears the setuid bit, and setgid with
// group execute, on a write by a process without CAP_FSETID, and only the
// file's owner (or root) may set them again, setgid only if in the file's
// group (a chmod by an owner outside it drops setgid without an error).
func modeSurvivesWrite(info fs.FileInfo) bool {
	mode := info.Mode()
	if mode&(fs.ModeSetuid|fs.ModeSetgid) == 0 || os.Geteuid() == 0 {
		return true
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	return int(st.Uid) == os.Geteuid() && (mode&fs.ModeSetgid == 0 || inGroup(int(st.Gid)))
}

// ownerOf names the owner and group of a file, for messages.
func ownerOf(info fs.FileInfo) string {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("owner %d, group %d", st.Uid, st.Gid)
	}
	return "owner unknown"
}
