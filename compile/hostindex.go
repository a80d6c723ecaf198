package compile

import "bytes"

// hostIndex finds, for a host, the deepest node of a scheme's label tree
// whose host is that host or a suffix of it at a label boundary: the node
// whose cells answer for the host. It reads the host once, from the right,
// and hashes nothing: it is a trie over the node names read backwards,
// with every chain of single children merged into one edge, so a lookup
// costs a byte comparison per byte of the host and, per branch, a short
// scan or one load, however many hosts the policy names.
type hostIndex struct {
	root suffixNode
}

type suffixNode struct {
	edge string // the bytes that lead here from the parent, in host order
	node *node  // the tree node whose host ends here, if any
	keys []byte // the last byte of each child's edge
	kids []*suffixNode
	// wide, for a node of many children, maps a byte to 1 + the index
	// of the child whose edge ends with it: one load instead of a scan.
	// Keys are distinct bytes a host may hold, fewer than 64 kinds, so
	// the index fits a byte.
	wide *[256]uint8
}

// wideFanOut is the number of children past which a node gets an index.
const wideFanOut = 4

// add indexes the tree node n under its host name.
func (x *hostIndex) add(n *node) {
	s, rest := &x.root, n.name
	for rest != "" {
		i := bytes.IndexByte(s.keys, rest[len(rest)-1])
		if i < 0 {
			s.keys = append(s.keys, rest[len(rest)-1])
			s.kids = append(s.kids, &suffixNode{edge: rest, node: n})
			if len(s.kids) > wideFanOut {
				if s.wide == nil {
					s.wide = new([256]uint8)
				}
				for j, k := range s.keys {
					s.wide[k] = uint8(j + 1)
				}
			}
			return
		}
		kid := s.kids[i]
		common := commonSuffix(kid.edge, rest)
		if common < len(kid.edge) {
			// rest leaves kid's edge part-way: split the edge there.
			head, tail := kid.edge[:len(kid.edge)-common], kid.edge[len(kid.edge)-common:]
			kid.edge = head
			mid := &suffixNode{edge: tail, keys: []byte{head[len(head)-1]}, kids: []*suffixNode{kid}}
			s.kids[i] = mid
			kid = mid
		}
		s, rest = kid, rest[:len(rest)-common]
	}
	s.node = n
}

// empty reports whether the index holds no node.
func (x *hostIndex) empty() bool { return len(x.root.kids) == 0 && x.root.node == nil }

// find returns the deepest node whose host is host or a suffix of host
// that a dot precedes, or nil, and whether that node's host is host itself.
func (x *hostIndex) find(host string) (deepest *node, exact bool) {
	s, rest := &x.root, host
	for rest != "" {
		kid := s.kid(rest[len(rest)-1])
		if kid == nil || len(kid.edge) > len(rest) {
			break
		}
		// The edge's last byte is the key just matched; compare the
		// others in place, as edges are short.
		off := len(rest) - len(kid.edge)
		for i := len(kid.edge) - 2; i >= 0; i-- {
			if rest[off+i] != kid.edge[i] {
				return deepest, false
			}
		}
		s, rest = kid, rest[:off]
		if s.node != nil {
			if rest == "" {
				return s.node, true
			}
			if rest[len(rest)-1] == '.' {
				deepest = s.node
			}
		}
	}
	return deepest, false
}

// kid returns the child whose edge ends with c, or nil.
func (s *suffixNode) kid(c byte) *suffixNode {
	if s.wide != nil {
		if i := s.wide[c]; i != 0 {
			return s.kids[i-1]
		}
		return nil
	}
	for i, k := range s.keys {
		if k == c {
			return s.kids[i]
		}
	}
	return nil
}

// commonSuffix returns the length of the longest common suffix of a and b.
func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}
