package lsp

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/corspolicy/cors/lsp/protocol"
	"github.com/corspolicy/cors/stdlib"
)

// stdFiles are the standard library's modules written out as read-only
// files, so that go-to-definition can open them in any editor: the
// modules live in the binary, and an editor opens files.
type stdFiles struct {
	once sync.Once
	dir  string // "" when they could not be written
}

// stdDir returns the directory of the module files, writing them on
// first use; "" if they cannot be written.
func (s *Server) stdDir() string {
	s.std.once.Do(func() {
		names := stdlib.Names()
		h := sha256.New()
		srcs := map[string][]byte{}
		for _, n := range names {
			src, err := stdlib.Source(n)
			if err != nil {
				return
			}
			srcs[n] = src
			h.Write([]byte(n))
			h.Write(src)
		}
		dir := s.opts.StdDir
		if dir == "" {
			// One directory per content, so that two versions of
			// corsfmt never show each other's modules; without a cache
			// directory of the user's own, a fresh private one, never a
			// shared and predictable path another user could plant
			// links in.
			if base, err := os.UserCacheDir(); err == nil {
				dir = filepath.Join(base, "corsfmt", "std-"+hex.EncodeToString(h.Sum(nil))[:12])
			} else if dir, err = os.MkdirTemp("", "corsfmt-std-"); err != nil {
				return
			}
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return
		}
		for _, n := range names {
			path := filepath.Join(dir, strings.TrimPrefix(n, stdlib.Prefix)+".cors")
			if old, err := os.ReadFile(path); err == nil && string(old) == string(srcs[n]) {
				continue
			}
			os.Remove(path)
			if err := os.WriteFile(path, srcs[n], 0o444); err != nil {
				return
			}
		}
		s.std.dir = dir
	})
	return s.std.dir
}

// moduleURI returns the URI of a module by the file name the importer
// gave it: a standard library module's written copy, or the file itself.
func (s *Server) moduleURI(filename string) protocol.DocumentURI {
	if rest, ok := strings.CutPrefix(filename, stdlib.Prefix); ok {
		dir := s.stdDir()
		if dir == "" {
			return ""
		}
		return fileURI(filepath.Join(dir, rest))
	}
	if filepath.IsAbs(filename) {
		return fileURI(filename)
	}
	return ""
}

// moduleDocument returns the text of a module as a document, to convert
// its positions: the open document, or the source the importer serves.
func (s *Server) moduleDocument(filename string) *document {
	if d := s.docByPath(filename); d != nil {
		return d
	}
	var src []byte
	var err error
	if strings.HasPrefix(filename, stdlib.Prefix) {
		src, err = stdlib.Source(strings.TrimSuffix(filename, ".cors"))
	} else {
		src, err = readLimited(filename)
	}
	if err != nil {
		return nil
	}
	return &document{text: string(src), lines: lineStarts(string(src))}
}
