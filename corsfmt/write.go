package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// beforeWrite, when set, is called by writeFile before it checks the file,
// so that a test can change the file in between as an editor might.
var beforeWrite func(name string)

// modeError is the error of a file written whose mode could not be put
// back: unlike every other error of writeFile, the file holds the new
// content.
type modeError struct{ err error }

func (e *modeError) Error() string { return e.err.Error() }
func (e *modeError) Unwrap() error { return e.err }

// errChanged is the reason a file is not written when it changed after
// corsfmt read it: writing would throw the change away.
var errChanged = errors.New("the file changed since corsfmt read it; run corsfmt again")

// writeFile replaces the content of the file called name, which corsfmt
// read as src and described by info, with data. It writes in place, as
// gofmt does, so that the file keeps what makes it that file: its inode
// and so its hard links, every mode bit (setgid included), its owner and
// group, and the symbolic link it was named through, if any; and it needs
// no right to the directory.
//
// It refuses, writing nothing, a file whose mode does not let us write it
// (checked from the mode, since root may write anything) and a file that
// is no longer the one read: another file under the name, another size or
// modification time, or other bytes.
//
// Before writing it copies the original to a backup file beside it, as
// gofmt does, so that a write cut short by a crash leaves the original
// somewhere; in a directory where it may not create one it goes on
// without, keeping the original in memory. A write that fails is undone
// from that copy.
func writeFile(name string, src []byte, info fs.FileInfo, data []byte) (err error) {
	defer func() {
		var me *modeError
		switch {
		case errors.As(err, &me):
			err = fmt.Errorf("%s: written, but %w", name, err)
		case err != nil:
			err = fmt.Errorf("%s: not written: %w", name, err)
		}
	}()
	if beforeWrite != nil {
		beforeWrite(name)
	}
	if !writableByUs(info) {
		return fmt.Errorf("the file's mode does not let you write it (%v, %s)", info.Mode(), ownerOf(info))
	}
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := sameAsRead(f, src, info); err != nil {
		return err
	}
	// The mode now, not when the file was read: a chmod made since is
	// the owner's, and putting back the old mode would undo it.
	opened, err := f.Stat()
	if err != nil {
		return err
	}
	mode := opened.Mode()
	if !modeSurvivesWrite(opened) {
		return fmt.Errorf("a write would clear its setuid or setgid bit, which only its owner, in its group, may set again (%v, %s)", mode, ownerOf(opened))
	}
	backup := writeBackup(name, src, mode)
	if err := overwrite(f, data); err != nil {
		undo := overwrite(f, src)
		keepMode(f, mode)
		if undo != nil {
			if backup != "" {
				return fmt.Errorf("%w; restoring the original failed too (%v): it is in %s", err, undo, backup)
			}
			return fmt.Errorf("%w; restoring the original failed too: %v", err, undo)
		}
		if backup != "" {
			os.Remove(backup)
		}
		return err
	}
	if backup != "" {
		os.Remove(backup)
	}
	if err := keepMode(f, mode); err != nil {
		return &modeError{fmt.Errorf("the write cleared its mode bits, now %v, and putting back %v failed: %w", currentMode(f), mode, err)}
	}
	return nil
}

// keepMode gives the open file f back the mode it had before we wrote it.
// Linux clears the setuid bit, and the setgid bit with group execute, when
// a process without CAP_FSETID (any user but root) writes a file; without
// this, -w run by the owner of a setuid file quietly made it an ordinary
// one.
func keepMode(f *os.File, mode fs.FileMode) error {
	now, err := f.Stat()
	if err != nil {
		return err
	}
	if now.Mode() == mode {
		return nil
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	// The kernel may drop setgid from a chmod without an error, when the
	// owner is not in the file's group.
	if now, err = f.Stat(); err == nil && now.Mode() != mode {
		return fmt.Errorf("the system kept %v", now.Mode())
	}
	return err
}

// currentMode returns the mode of the open file f, for messages.
func currentMode(f *os.File) fs.FileMode {
	if now, err := f.Stat(); err == nil {
		return now.Mode()
	}
	return 0
}

// sameAsRead reports errChanged unless the open file f is the file read:
// the same file, size and modification time, and the same bytes, src.
func sameAsRead(f *os.File, src []byte, info fs.FileInfo) error {
	now, err := f.Stat()
	if err != nil {
		return err
	}
	if !os.SameFile(info, now) || now.Size() != info.Size() || !now.ModTime().Equal(info.ModTime()) {
		return errChanged
	}
	// One byte more than was read, to see that the file has not grown.
	cur := make([]byte, len(src)+1)
	n, err := io.ReadFull(f, cur)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	if !bytes.Equal(cur[:n], src) {
		return errChanged
	}
	return nil
}

// overwrite makes data the whole content of f, from its start.
func overwrite(f *os.File, data []byte) error {
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	if err := f.Truncate(int64(len(data))); err != nil {
		return err
	}
	return f.Sync()
}

// writeBackup copies src to a new file beside name, named with a leading
// period so that corsfmt walks and the watcher pass it by, with the
// original's permission bits, and returns its name; or "" when it cannot,
// in a directory we may not write for one.
func writeBackup(name string, src []byte, mode fs.FileMode) string {
	b, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.orig")
	if err != nil {
		return ""
	}
	_, err = b.Write(src)
	if err == nil {
		err = b.Chmod(mode.Perm())
	}
	if err == nil {
		err = b.Sync()
	}
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(b.Name())
		return ""
	}
	return b.Name()
}
