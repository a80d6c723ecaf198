package lang

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is returned, wrapped, for a source that is not a regular
// file: a device such as /dev/zero, a named pipe, a directory. Such a file
// can be endless or block a reader for ever, and no editor saves a policy
// as one.
var ErrNotRegular = errors.New("not a regular file")

// ErrTooLarge is returned, wrapped, for a source past MaxFileSize.
var ErrTooLarge = fmt.Errorf("file is larger than the limit of %d bytes", MaxFileSize)

// ReadFile reads the source file at name, following symbolic links, as
// os.ReadFile does, but refuses a file that is not a regular file and one
// larger than MaxFileSize, reading at most one byte past the limit. It
// also returns the file's information, taken from the file it read, so
// that a caller can tell later whether the file has changed.
func ReadFile(name string) ([]byte, fs.FileInfo, error) {
	open := func() (fs.File, error) {
		f, err := openSource(name)
		return f, err // not a nil *os.File in a non-nil fs.File
	}
	return readSourceFile(name, open, func() (fs.FileInfo, error) { return os.Stat(name) })
}

// openSource opens a file for reading without waiting for a writer, so
// that a file replaced by a named pipe after its kind was asked cannot
// block the reader.
func openSource(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|openNonBlocking, 0)
}

// ReadFS is ReadFile for the file name of fsys.
func ReadFS(fsys fs.FS, name string) ([]byte, fs.FileInfo, error) {
	return readSourceFile(name, func() (fs.File, error) { return fsys.Open(name) }, func() (fs.FileInfo, error) { return fs.Stat(fsys, name) })
}

// readSourceFile reads the file called name through open, once stat has
// said it is a regular file: opening a named pipe blocks until a writer
// comes, so its kind is asked first, and asked again of the file opened,
// in case it was replaced between the two.
func readSourceFile(name string, open func() (fs.File, error), stat func() (fs.FileInfo, error)) ([]byte, fs.FileInfo, error) {
	info, err := stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, notRegular(name, info)
	}
	f, err := open()
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	if info, err = f.Stat(); err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, notRegular(name, info)
	}
	src, err := ReadSource(name, f)
	return src, info, err
}

func notRegular(name string, info fs.FileInfo) error {
	return &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(info.Mode()))}
}

// kind names the type of a file that is not a regular file.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// ReadSource reads a source from r, called name in errors, refusing one
// larger than MaxFileSize without reading more than one byte past the
// limit, so that an endless input costs at most that much memory.
func ReadSource(name string, r io.Reader) ([]byte, error) {
	src, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, err // it names the file already
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(src) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w", name, ErrTooLarge)
	}
	return src, nil
}

// HasVersionLine reports whether src starts, after blanks and comments,
// with the keyword of the version line, cors, followed by a blank and a
// number: whether it presents itself as a policy or module of the
// language at all. A file that does not is never quoted in an error
// message, since it may be any file a path can reach.
func HasVersionLine(src []byte) bool {
	i := skipBlanks(src, 0)
	const kw = "cors"
	if len(src) < i+len(kw) || string(src[i:i+len(kw)]) != kw {
		return false
	}
	j := skipBlanks(src, i+len(kw))
	if j == i+len(kw) || j == len(src) {
		return false // no blank after the keyword, or nothing after it
	}
	return isDigit(src[j]) || src[j] == '-' && j+1 < len(src) && isDigit(src[j+1])
}

// skipBlanks returns the offset of the first byte at or after i that is
// neither whitespace nor in a comment.
func skipBlanks(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\r', '\n':
			i++
		case '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		default:
			return i
		}
	}
	return i
}
