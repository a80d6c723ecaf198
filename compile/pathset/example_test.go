package pathset_test

import (
	"fmt"

	"github.com/corspolicy/cors/compile/pathset"
)

// Example splits the paths of an admin API's globs into the regions they
// tell apart, each with its shortest path.
func Example() {
	p, err := pathset.New([]string{"/admin/**", "/admin/audit/**", "/admin/*/export"})
	if err != nil {
		panic(err)
	}
	for i, r := range p.Regions() {
		fmt.Printf("%-22s %s\n", r.Witness, p.Describe([]int{i}))
	}
	// Output:
	// /y                     every path except /admin/**
	// /admin                 /admin/** except /admin/*/export, /admin/audit/**
	// /admin/audit           /admin/audit/** except /admin/*/export
	// /admin/y/export        /admin/*/export except /admin/audit/**
	// /admin/audit/export    paths matching /admin/*/export and /admin/audit/**
}

// ExampleContains shows containment computed, not read from the text.
func ExampleContains() {
	ok, _, _ := pathset.Contains("/img/*", "/img/*.png")
	fmt.Println(ok)
	ok, witness, _ := pathset.Contains("/api/*/x", "/api/**")
	fmt.Println(ok, witness)
	// Output:
	// true
	// false /api
}
