package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/corspolicy/cors/compile"
	nginxexport "github.com/corspolicy/cors/export/nginx"
	"github.com/corspolicy/cors/lang"
)

const exportUsage = `usage: corsfmt export -format nginx [-policy NAME] [-profile P] [-root DIR] [-upstream URL] [-listen ADDR] [-o FILE] FILE.cors

Export writes the policy as configuration for another server. With -format
nginx it is a file to include in nginx's http block: a server that answers
preflights itself and passes every other request to the upstream with the
policy's CORS headers, and the njs module it reads request headers with
(cors_request.js). With -o the configuration goes to FILE and the module
beside it; without, the configuration goes to standard output and the
module is expected beside nginx's main configuration file.

A construct the server cannot carry exactly is refused, with its position;
nothing is approximated. Exit status is 1 when the policy does not compile
or is refused, 2 on a usage or I/O error.

Flags:
`

// exportFormats maps a -format value to the function that writes it.
var exportFormats = map[string]func(t *compile.Table, upstream string, listen []string, module, source string) ([]byte, error){
	"nginx": func(t *compile.Table, upstream string, listen []string, module, source string) ([]byte, error) {
		return nginxexport.Config(t, nginxexport.Options{Upstream: upstream, Listen: listen, Module: module, Source: source})
	},
}

// listenFlag collects the values of a repeated -listen.
type listenFlag []string

func (l *listenFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listenFlag) Set(v string) error { *l = append(*l, v); return nil }

// runExport is the export subcommand.
func runExport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt export", exportUsage, stderr)
	format := fset.String("format", "", "the configuration to write: nginx")
	policy := fset.String("policy", "", "the policy to export; needed when the file has several")
	profile := fset.String("profile", "", "the profile to compile for, such as dev")
	upstream := fset.String("upstream", "http://127.0.0.1:8080", "where requests other than preflights go: scheme://host[:port], no path")
	var listen listenFlag
	fset.Var(&listen, "listen", "a listen directive's value, such as 8081 or \"443 ssl\"; repeatable (default 8081)")
	out := fset.String("o", "", "write the configuration to this file and the njs module beside it")
	root := rootFlag(fset)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	write, ok := exportFormats[*format]
	if !ok || fset.NArg() != 1 {
		if !ok {
			fmt.Fprintf(stderr, "corsfmt export: -format %q: the formats are nginx\n", *format)
		}
		fset.Usage()
		return 2
	}
	if len(listen) == 0 {
		listen = listenFlag{"8081"}
	}
	path := fset.Arg(0)
	tab, err := loadPolicy(path, *policy, *profile, *root)
	if err != nil {
		lang.PrintErrors(stderr, err)
		return 1
	}
	source := filepath.Base(path)
	if *profile != "" {
		source += ", profile " + *profile
	}
	source += ", policy " + tab.Name
	module := ""
	if *out != "" {
		abs, err := filepath.Abs(filepath.Join(filepath.Dir(*out), nginxexport.ModuleName))
		if err != nil {
			fmt.Fprintln(stderr, "corsfmt export:", err)
			return 2
		}
		module = abs
	}
	conf, err := write(tab, *upstream, listen, module, source)
	if err != nil {
		if _, refused := err.(lang.ErrorList); refused {
			lang.PrintErrors(stderr, err)
			return 1
		}
		fmt.Fprintln(stderr, "corsfmt export:", err)
		return 2
	}
	if *out == "" {
		if _, err := stdout.Write(conf); err != nil {
			fmt.Fprintln(stderr, "corsfmt export:", err)
			return 2
		}
		return 0
	}
	for name, data := range map[string][]byte{*out: conf, module: nginxexport.Module()} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			fmt.Fprintln(stderr, "corsfmt export:", err)
			return 2
		}
	}
	return 0
}
