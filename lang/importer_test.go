package lang

import (
	"errors"
	"testing"
	"testing/fstest"
)

func TestImportName(t *testing.T) {
	tests := []struct{ src, want string }{
		{`import "std/dev"`, "dev"},
		{`import "./shared/partners.cors"`, "partners"},
		{`import "../x.cors" as y`, "y"},
	}
	for _, tt := range tests {
		f, err := Parse("a.cors", []byte("cors 1\n"+tt.src+"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Imports[0].Name(); got != tt.want {
			t.Errorf("%s: Name() = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestFSImporter(t *testing.T) {
	fsys := fstest.MapFS{
		"policies/shared/partners.cors": {Data: []byte("cors 1\n")},
		"common.cors":                   {Data: []byte("cors 1\n# common\n")},
	}
	imp := FSImporter{FS: fsys}
	tests := []struct {
		from, path, want string // want is the file name, or "" for an error
	}{
		{"policies/api.cors", "./shared/partners.cors", "policies/shared/partners.cors"},
		{"policies/api.cors", "../common.cors", "common.cors"},
		{"policies/api.cors", "../../etc/passwd", ""},
		{"policies/api.cors", "./missing.cors", ""},
		{"policies/api.cors", "std/dev", ""},
		{"policies/api.cors", "shared/partners.cors", ""},
	}
	for _, tt := range tests {
		name, src, err := imp.Import(tt.from, tt.path)
		switch {
		case tt.want == "" && !errors.Is(err, ErrUnknownModule):
			t.Errorf("Import(%q, %q) = %q, %v; want ErrUnknownModule", tt.from, tt.path, name, err)
		case tt.want != "" && (err != nil || name != tt.want || len(src) == 0):
			t.Errorf("Import(%q, %q) = %q, %v; want %q", tt.from, tt.path, name, err, tt.want)
		}
	}
}
