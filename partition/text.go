package partition

import (
	"fmt"
	"strings"
)

// EntryLines returns the lines with which the text reports of corsfmt diff
// and corsfmt query open an entry: its number and origins, its paths (with
// an example path when the description is not one path), its methods and
// its kinds of request, the values in one column.
func EntryLines(n int, origins, paths, examplePath, methods, requests string) []string {
	if paths != examplePath {
		paths += " (e.g. " + examplePath + ")"
	}
	return []string{
		fmt.Sprintf("  %3d. origins   %s", n, origins),
		"       paths     " + paths,
		"       methods   " + methods,
		"       requests  " + requests,
	}
}

// WitnessLines returns a witness case, as Case writes it, indented under
// the "witness" label of an entry; a blank line stays blank.
func WitnessLines(c string) []string {
	lines := strings.Split(strings.TrimSuffix(c, "\n"), "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = "         " + l
		}
	}
	return append([]string{"       witness"}, lines...)
}
