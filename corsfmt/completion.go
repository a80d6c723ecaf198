package main

import (
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/lang"
)

const completionUsage = `usage: corsfmt completion bash|zsh|fish

Completion prints a script that makes the shell complete corsfmt's command
lines: subcommands, their flags, .cors and .fixtures files, help topics,
and the policy and profile names of the policy file on the command line
after -policy and -profile. Load it in the shell's start-up file:

	source <(corsfmt completion bash)    # ~/.bashrc
	source <(corsfmt completion zsh)     # ~/.zshrc
	corsfmt completion fish | source     # ~/.config/fish/config.fish

The scripts ask corsfmt itself for the candidates, so they follow the
corsfmt on the PATH.
`

// completeCommand is the hidden subcommand the completion scripts call:
//
//	corsfmt __complete N WORD...
//
// The words are the command line after "corsfmt", N the index among them of
// the word being completed. It prints the candidates one a line, a word and,
// after a tab, what it means; and a line ":files EXT..." when the names of
// files with those extensions, and directories, are candidates too. It is
// silent on every error: a shell prompt is no place for one.
const completeCommand = "__complete"

// completionScripts are the scripts of completion, by shell.
var completionScripts = map[string]string{
	"bash": `# bash completion for corsfmt: source <(corsfmt completion bash)
_corsfmt_complete() {
    local cur=${COMP_WORDS[COMP_CWORD]} line f ext
    COMPREPLY=()
    while IFS= read -r line; do
        case $line in
        ':files '*)
            compopt -o filenames 2>/dev/null
            while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -d -- "$cur")
            for ext in ${line#:files }; do
                while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -f -X "!*$ext" -- "$cur")
            done
            ;;
        ?*) COMPREPLY+=("${line%%$'\t'*}") ;;
        esac
    done < <(corsfmt __complete "$((COMP_CWORD - 1))" "${COMP_WORDS[@]:1}" 2>/dev/null)
}
complete -F _corsfmt_complete corsfmt
`,
	"zsh": `#compdef corsfmt
# zsh completion for corsfmt: source <(corsfmt completion zsh)
_corsfmt() {
    local line
    local -a candidates exts
    for line in "${(@f)$(corsfmt __complete $((CURRENT - 2)) "${(@)words[2,-1]}" 2>/dev/null)}"; do
        case $line in
        ':files '*)
            exts=(${=${line#:files }})
            _files -g "*.(${(j:|:)${exts#.}})"
            ;;
        *$'\t'*) candidates+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}") ;;
        ?*) candidates+=("${line//:/\\:}") ;;
        esac
    done
    (( ${#candidates} )) && _describe corsfmt candidates
    return 0
}
if (( $+functions[compdef] )); then
    compdef _corsfmt corsfmt
fi
`,
	"fish": `# fish completion for corsfmt: corsfmt completion fish | source
function __corsfmt_complete
    # The words before the cursor, the one under it, and those after it,
    # where a policy file may be.
    set -l before (commandline -opc)
    set -l all (commandline -o)
    set -l current (commandline -ct)
    set -l seen (count $before)
    if test -n "$current"
        set seen (math $seen + 1)
    end
    set -l after
    if test (count $all) -gt $seen
        set after $all[(math $seen + 1)..-1]
    end
    set -l words $before[2..-1] $current $after
    for line in (corsfmt __complete (math (count $before) - 1) $words 2>/dev/null)
        if string match -q -- ':files *' $line
            for ext in (string split ' ' -- (string replace -- ':files ' '' $line))
                __fish_complete_suffix $ext
            end
        else if test -n "$line"
            echo $line
        end
    end
end
complete -c corsfmt -f -a '(__corsfmt_complete)'
`,
}

// runCompletion is the completion subcommand.
func runCompletion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := subcommandFlags("corsfmt completion", completionUsage, stderr)
	if status, ok := parseFlags(fset, args); !ok {
		return status
	}
	script, ok := completionScripts[fset.Arg(0)]
	if fset.NArg() != 1 || !ok {
		if fset.NArg() == 1 {
			fmt.Fprintf(stderr, "corsfmt completion: no script for %q; the shells are bash, zsh and fish\n", fset.Arg(0))
		}
		fset.Usage()
		return 2
	}
	io.WriteString(stdout, script)
	return 0
}

// runComplete is the hidden subcommand the completion scripts call.
func runComplete(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		return 0
	}
	index, err := strconv.Atoi(args[0])
	words := args[1:]
	if err != nil || index < 0 || index > len(words) {
		return 0
	}
	if index == len(words) {
		words = append(words, "") // the shell left out the empty word under the cursor
	}
	for _, c := range completions(words, index) {
		fmt.Fprintln(stdout, c)
	}
	return 0
}

// completions returns the candidates for words[index], those that start
// with it, as runComplete prints them.
func completions(words []string, index int) []string {
	cur := words[index]
	if index == 0 {
		if strings.HasPrefix(cur, "-") {
			return flagCandidates(flagsOf(runFormat), cur)
		}
		var out []string
		for _, sc := range subcommandTable() {
			if !sc.hidden && strings.HasPrefix(sc.name, cur) {
				out = append(out, sc.name+"\t"+sc.summary)
			}
		}
		return append(out, filesCandidate(allFiles))
	}
	run, files, args := command(runFormat), allFiles, words[:index]
	sc, isSubcommand := lookupSubcommand(words[0])
	if isSubcommand && !sc.hidden {
		run, files, args = sc.run, sc.files, words[1:index]
	}
	fset := flagsOf(run)
	if n := len(args); n > 0 {
		if f := fset.Lookup(strings.TrimLeft(args[n-1], "-")); f != nil && strings.HasPrefix(args[n-1], "-") && !isBoolFlag(f) {
			return prefixed(flagValues(f.Name, words), cur)
		}
	}
	if strings.HasPrefix(cur, "-") {
		return flagCandidates(fset, cur)
	}
	switch {
	case sc.name == "help" && len(positional(fset, args)) == 0:
		return prefixed(helpCandidates(), cur)
	case sc.name == "completion" && len(positional(fset, args)) == 0:
		return prefixed(slices.Sorted(maps.Keys(completionScripts)), cur)
	case files != nil:
		return []string{filesCandidate(files)}
	}
	return nil
}

// filesCandidate asks the shell for file names with the extensions.
func filesCandidate(exts []string) string { return ":files " + strings.Join(exts, " ") }

// flagCandidates returns the flags of fset that start with cur, with their
// usage.
func flagCandidates(fset *flag.FlagSet, cur string) []string {
	var out []string
	fset.VisitAll(func(f *flag.Flag) {
		if name := "-" + f.Name; strings.HasPrefix(name, cur) {
			out = append(out, name+"\t"+f.Usage)
		}
	})
	return out
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// positional returns the arguments among args that are not flags or their
// values.
func positional(fset *flag.FlagSet, args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			out = append(out, a)
			continue
		}
		if f := fset.Lookup(strings.TrimLeft(a, "-")); f != nil && !isBoolFlag(f) && !strings.Contains(a, "=") {
			i++ // its value
		}
	}
	return out
}

// flagValues returns the values a flag may take, where corsfmt knows them:
// export's formats, or the policy names, or the profile names, of the
// policy files on the command line (of the policy -policy names, when it
// names one).
func flagValues(flagName string, words []string) []string {
	if flagName == "format" {
		return slices.Sorted(maps.Keys(exportFormats))
	}
	var policy string
	for i, w := range words {
		if (w == "-policy" || w == "--policy") && i+1 < len(words) {
			policy = words[i+1]
		}
	}
	var out []string
	for _, w := range words {
		if !strings.HasSuffix(w, ".cors") {
			continue
		}
		// Read as every subcommand reads: a word naming a named pipe or
		// /dev/zero must not hang the shell.
		src, _, err := lang.ReadFile(w)
		if err != nil {
			continue
		}
		f, err := lang.Parse(w, src)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			p, ok := d.(*lang.Policy)
			if !ok {
				continue
			}
			switch flagName {
			case "policy":
				out = append(out, p.Name.Name)
			case "profile":
				if policy != "" && p.Name.Name != policy {
					continue
				}
				for _, it := range p.Items {
					if prof, ok := it.(*lang.Profile); ok {
						for _, n := range prof.Names {
							out = append(out, n.Name)
						}
					}
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// helpCandidates returns the help topics and the diagnostic codes.
func helpCandidates() []string {
	out := helpTopics()
	for _, c := range specCodes() {
		out = append(out, c.Code+"\t"+c.Title)
	}
	return out
}

// prefixed returns the candidates that start with cur.
func prefixed(candidates []string, cur string) []string {
	var out []string
	for _, c := range candidates {
		if strings.HasPrefix(c, cur) {
			out = append(out, c)
		}
	}
	return out
}
