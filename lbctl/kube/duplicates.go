package kube

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// duplicateKeys finds the keys a YAML mapping of data holds twice. The
// reader takes the last one silently, as kubectl does; a warning naming the
// file, the object and the key says which one counts. Documents that do not
// parse are left to the reader, which says why.
func duplicateKeys(source string, data []byte) []Note {
	var out []Note
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return out
		}
		walkKeys(&doc, "", "", func(obj, path string, first, again int) {
			if obj == "" {
				obj = "an object"
			}
			out = append(out, Note{Source: source, Message: fmt.Sprintf("%s: key %s appears twice (lines %d and %d); the one on line %d counts, as kubectl reads it",
				obj, strconv.Quote(path), first, again, again)})
		})
	}
}

// walkKeys reports each key a mapping under n holds twice, with the object
// it belongs to (the innermost mapping with a kind) and its path there.
// Aliases are not followed.
func walkKeys(n *yaml.Node, obj, path string, dup func(obj, path string, first, again int)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkKeys(c, obj, path, dup)
		}
	case yaml.MappingNode:
		if o := nodeObject(n); o != "" {
			obj, path = o, ""
		}
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			if line, ok := seen[k.Value]; ok {
				dup(obj, p, line, k.Line)
			} else {
				seen[k.Value] = k.Line
			}
			walkKeys(n.Content[i+1], obj, p, dup)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkKeys(c, obj, fmt.Sprintf("%s[%d]", path, i), dup)
		}
	}
}

// nodeObject names the object a mapping is ("Ingress shop/web"), or "" when
// it has no kind.
func nodeObject(n *yaml.Node) string {
	var kind, name, ns string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "kind":
			kind = v.Value
		case "metadata":
			for j := 0; j+1 < len(v.Content); j += 2 {
				switch v.Content[j].Value {
				case "name":
					name = v.Content[j+1].Value
				case "namespace":
					ns = v.Content[j+1].Value
				}
			}
		}
	}
	if kind == "" || strings.HasSuffix(kind, "List") && name == "" {
		return ""
	}
	if ns != "" {
		name = ns + "/" + name
	}
	return printable(kind) + " " + printable(name)
}
