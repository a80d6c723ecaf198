//go:build unix

package lang

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"
)

// TestReadFileRefusesWhatIsNotAPolicy checks that a source read from disk
// is capped and must be a regular file: a link to /dev/zero, a named pipe
// and a file one byte past the limit are refused with the file's name,
// and none of them makes the reader block or read past the limit.
func TestReadFileRefusesWhatIsNotAPolicy(t *testing.T) {
	dir := t.TempDir()
	zero := filepath.Join(dir, "zero.cors")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.cors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.cors")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxFileSize+1); err != nil { // sparse: costs no disk
		t.Fatal(err)
	}
	exact := filepath.Join(dir, "exact.cors")
	os.WriteFile(exact, nil, 0o644)
	os.Truncate(exact, MaxFileSize)
	tests := []struct {
		path string
		want error
		msg  string
	}{
		{zero, ErrNotRegular, "zero.cors: not a regular file (a character device)"},
		{fifo, ErrNotRegular, "fifo.cors: not a regular file (a named pipe)"},
		{dir, ErrNotRegular, "not a regular file (a directory)"},
		{big, ErrTooLarge, "big.cors: file is larger than the limit of 16777216 bytes"},
		{exact, nil, ""},
	}
	for _, tt := range tests {
		src, _, err := ReadFile(tt.path)
		if !errors.Is(err, tt.want) || tt.want != nil && !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ReadFile(%s) = %d bytes, %v; want %v, saying %q", filepath.Base(tt.path), len(src), err, tt.want, tt.msg)
		}
		if tt.want == nil && len(src) != MaxFileSize {
			t.Errorf("ReadFile(%s) = %d bytes, want %d", filepath.Base(tt.path), len(src), MaxFileSize)
		}
	}
}

func TestImportFile(t *testing.T) {
	tests := []struct {
		from, path, want string // want is the file, or the start of the error after "unknown module"
	}{
		{"api.cors", "./x.cors", "x.cors"},
		{"policies/api.cors", "./shared/partners.cors", "policies/shared/partners.cors"},
		{"policies/api.cors", "../common.cors", "common.cors"},
		{"api.cors", "../common.cors", `"../common.cors": it leads out of the import root`},
		{"policies/api.cors", "../../etc/passwd.cors", `"../../etc/passwd.cors": it leads out`},
		{"policies/api.cors", "../../etc/passwd", `"../../etc/passwd": a module is a .cors file`},
		{"api.cors", "./x.cors/", `"./x.cors/": a module is a .cors file`},
		{"api.cors", "/etc/x.cors", `"/etc/x.cors": a file import starts with ./ or ../`},
		{"api.cors", "shared/x.cors", `"shared/x.cors": a file import starts with`},
	}
	for _, tt := range tests {
		got, err := ImportFile(tt.from, tt.path)
		if err != nil {
			if !errors.Is(err, ErrUnknownModule) {
				t.Errorf("ImportFile(%q, %q): %v does not wrap ErrUnknownModule", tt.from, tt.path, err)
			}
			got = strings.TrimPrefix(err.Error(), "unknown module ")
		}
		if !strings.HasPrefix(got, tt.want) {
			t.Errorf("ImportFile(%q, %q) = %q, want %q", tt.from, tt.path, got, tt.want)
		}
	}
}

func TestHasVersionLine(t *testing.T) {
	for src, want := range map[string]bool{
		"cors 1\n":                   true,
		"# a module\n\ncors 1\n":     true,
		"cors\t2":                    true,
		"cors # the version\n 1":     true,
		"cors -1":                    true,
		"":                           false,
		"cors":                       false,
		"cors1":                      false,
		"cors x":                     false,
		"corsair 1":                  false,
		"root:x:0:0:root:/root:/bin": false,
		"fixtures 1\n":               false,
	} {
		if got := HasVersionLine([]byte(src)); got != want {
			t.Errorf("HasVersionLine(%q) = %v, want %v", src, got, want)
		}
	}
}

// TestFSImporterRefusesWhatIsNotAModule checks that the importer reads
// only regular .cors files, within the limit.
func TestFSImporterRefusesWhatIsNotAModule(t *testing.T) {
	fsys := fstest.MapFS{
		"ok.cors":       {Data: []byte("cors 1\n")},
		"dir.cors":      {Mode: fs.ModeDir},
		"pipe.cors":     {Mode: fs.ModeNamedPipe},
		"big.cors":      {Data: make([]byte, MaxFileSize+1)},
		"notes.txt":     {Data: []byte("secret")},
		"sub/deep.cors": {Data: []byte("cors 1\n")},
	}
	imp := FSImporter{FS: fsys}
	for path, want := range map[string]string{
		"./ok.cors":       "",
		"./sub/deep.cors": "",
		"./dir.cors":      "not a regular file (a directory)",
		"./pipe.cors":     "not a regular file (a named pipe)",
		"./big.cors":      "file is larger than the limit of 16777216 bytes",
		"./notes.txt":     "a module is a .cors file",
	} {
		_, _, err := imp.Import("api.cors", path)
		switch {
		case want == "" && err != nil:
			t.Errorf("Import(%q): %v", path, err)
		case want != "" && (!errors.Is(err, ErrUnknownModule) || !strings.HasSuffix(err.Error(), want)):
			t.Errorf("Import(%q) = %v, want an unknown module ending %q", path, err, want)
		}
	}
}

// TestOpenSourceDoesNotBlock checks that ReadFile's open returns at once
// for a named pipe, which a file may have become after its kind was
// asked: the open is called here without the check.
func TestOpenSourceDoesNotBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo.cors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := openSource(fifo)
		if err == nil {
			f.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening a named pipe blocked for 10 s")
	}
}
