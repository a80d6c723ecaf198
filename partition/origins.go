package partition

import (
	"slices"
	"strconv"
	"strings"

	"github.com/corspolicy/cors/compile"
)

// OriginClass is a set of origins that every origin pattern of the tables
// either matches whole or not at all, with an origin of it.
type OriginClass struct {
	// Label names the class as a reviewer reads it: an origin
	// ("https://app.example.com"), the hosts below a wildcard
	// ("https://*.example.com"), a host or wildcard on the ports no
	// pattern names, the origins no pattern names, or null.
	Label   string `json:"label"`
	Witness string `json:"witness"`
}

// originClasses splits the origin space by the patterns of every rule of
// the tables together, so that each class is matched whole or not at all by
// each pattern of each table. For each scheme, with N the hosts the patterns
// name (exact hosts and the bases of wildcards):
//
//   - a host h of N, on each port a pattern that can match h names (an
//     exact pattern on h, a wildcard on a suffix of h), and on the other
//     ports;
//   - the hosts strictly below a wildcard base b and outside N, whose
//     patterns are the wildcards on b and its suffixes, on each port they
//     name and on the others;
//   - the hosts below no wildcard base and outside N, which no pattern
//     matches;
//
// and null. The patterns matching an origin are the exact patterns on its
// host and the wildcards on its host's suffixes, with their ports, so they
// are the same for every origin of a class.
func originClasses(tables []*compile.Table) []OriginClass {
	type hostPorts map[string][]int
	exact := [2]hostPorts{{}, {}}
	wild := [2]hostPorts{{}, {}}
	for _, t := range tables {
		for _, r := range t.Rules {
			for _, p := range r.Origins {
				m := exact[schemeIndex(p.Scheme)]
				if p.Wildcard {
					m = wild[schemeIndex(p.Scheme)]
				}
				if !slices.Contains(m[p.Host], p.Port) {
					m[p.Host] = append(m[p.Host], p.Port)
				}
			}
		}
	}
	var out []OriginClass
	for si, scheme := range []string{"http", "https"} {
		hosts := map[string]bool{}
		for h := range exact[si] {
			hosts[h] = true
		}
		for h := range wild[si] {
			hosts[h] = true
		}
		// wildPorts returns the ports the wildcards on host's suffixes
		// name, host itself too when self is set.
		wildPorts := func(host string, self bool) []int {
			var ports []int
			if self {
				ports = append(ports, wild[si][host]...)
			}
			for rest := host; ; {
				i := strings.IndexByte(rest, '.')
				if i < 0 || strings.HasPrefix(host, "[") {
					return ports
				}
				rest = rest[i+1:]
				ports = append(ports, wild[si][rest]...)
			}
		}
		origin := func(host string, port int) string {
			return compile.Pattern{Scheme: scheme, Host: host, Port: port}.String()
		}
		for _, h := range slices.Sorted(mapKeys(hosts)) {
			ports := named(append(slices.Clone(exact[si][h]), wildPorts(h, false)...))
			for _, p := range ports {
				out = append(out, OriginClass{Label: origin(h, p), Witness: origin(h, p)})
			}
			out = append(out, otherPorts(origin(h, compile.AnyPort), ports, func(p int) string { return origin(h, p) }))
		}
		for _, b := range slices.Sorted(mapKeys(wild[si])) {
			below := freshBelow(b, hosts)
			if below == "" {
				continue // no host fits below b
			}
			ports := named(wildPorts(b, true))
			for _, p := range ports {
				out = append(out, OriginClass{
					Label:   compile.Pattern{Scheme: scheme, Host: b, Wildcard: true, Port: p}.String(),
					Witness: origin(below, p),
				})
			}
			out = append(out, otherPorts(compile.Pattern{Scheme: scheme, Host: b, Wildcard: true, Port: compile.AnyPort}.String(),
				ports, func(p int) string { return origin(below, p) }))
		}
		out = append(out, OriginClass{Label: scheme + " origins no pattern names", Witness: origin(unnamedHost(hosts, wild[si]), compile.DefaultPort(scheme))})
	}
	return append(out, OriginClass{Label: "null", Witness: "null"})
}

// named returns the ports of a list, sorted, without AnyPort, which names
// none in particular.
func named(ports []int) []int {
	ports = slices.DeleteFunc(ports, func(p int) bool { return p == compile.AnyPort })
	slices.Sort(ports)
	return slices.Compact(ports)
}

// otherPorts returns the class of the ports none of ports names, labelled
// from label, a pattern with ":*"; its witness is on the default port when
// ports is empty, or on a port ports does not hold.
func otherPorts(label string, ports []int, origin func(port int) string) OriginClass {
	if len(ports) == 0 {
		return OriginClass{Label: label, Witness: origin(compile.DefaultPort(strings.SplitN(label, ":", 2)[0]))}
	}
	p := 8081
	for slices.Contains(ports, p) {
		p++
	}
	return OriginClass{Label: label + " (other ports)", Witness: origin(p)}
}

// freshBelow returns a host one label below base that hosts does not hold,
// or "" when none fits in a host name.
func freshBelow(base string, hosts map[string]bool) string {
	for i := 0; ; i++ {
		label := "x"
		if i > 0 {
			label = "x" + strconv.Itoa(i)
		}
		h := label + "." + base
		if len(h) > 253 {
			return ""
		}
		if !hosts[h] {
			return h
		}
	}
}

// unnamedHost returns a host outside hosts that no wildcard base is a
// suffix of.
func unnamedHost(hosts map[string]bool, wild map[string][]int) string {
	for i := 0; ; i++ {
		h := "other.example.invalid"
		if i > 0 {
			h = "other" + strconv.Itoa(i) + ".example.invalid"
		}
		below := false
		for b := range wild {
			below = below || strings.HasSuffix(h, "."+b)
		}
		if !hosts[h] && !below {
			return h
		}
	}
}

func schemeIndex(scheme string) int {
	if scheme == "https" {
		return 1
	}
	return 0
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
