package compile

import (
	"fmt"
	"slices"
	"testing"
)

// TestTreeOfPortsOutOfOrder: the label tree tools walk is built from the
// rules in their order, so the ports of a host come out of order and one
// port through several rules; every region must still lead to the cell
// Lookup gives its origins.
func TestTreeOfPortsOutOfOrder(t *testing.T) {
	src := "cors 1\n\npolicy p {\n" +
		"    allow \"https://*.example.com:8003\", \"https://a.example.com:8003\"\n" +
		"    allow \"https://*.example.com:8001\", \"https://a.example.com:8002\" { credentials }\n" +
		"    deny \"https://*.example.com:8003\", \"https://a.example.com:8001\" { paths \"/admin/**\" }\n" +
		"    allow \"https://*.example.com:8002\", \"https://a.example.com:8001\" { methods \"PUT\" }\n" +
		"}\n"
	tab := policyTable(t, "ports.cors", src, "p")
	regions := tab.OriginRegions()
	for _, r := range regions {
		witness := r.Origin
		if !r.Exact {
			host := r.Host
			if r.Below {
				host = "x." + host
			}
			if host == "x." {
				host = "x.example.org"
			}
			port := r.Port
			if port == OtherPorts {
				port = 1 // no pattern names it
			}
			witness = fmt.Sprintf("%s://%s:%d", r.Scheme, host, port)
		}
		c, ok := tab.Lookup(witness)
		if !ok {
			t.Errorf("Lookup(%q) refuses the origin", witness)
			continue
		}
		if !slices.Equal(c.Allow, r.Cell.Allow) || !slices.Equal(c.Deny, r.Cell.Deny) {
			t.Errorf("region %+v: its cell holds %d allow and %d deny rules; Lookup(%q) gives %d and %d",
				r, len(r.Cell.Allow), len(r.Cell.Deny), witness, len(c.Allow), len(c.Deny))
		}
	}
	if len(regions) < 8 {
		t.Errorf("%d regions, want the exact origins and each port of both hosts", len(regions))
	}
}
