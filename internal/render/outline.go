package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// A Node is one field or list item of a section shown as an outline: how a
// section with no view of its own is rendered (a new section is readable
// in Markdown and on the page before anyone writes its view).
type Node struct {
	// Key is the field's name in words ("secret id"), or the item's
	// number in a list.
	Key string
	// Value is a field's text, number or yes/no; empty for an object or a
	// list, whose fields or items are Children.
	Value    string
	Children []Node
}

// Outline is v (a section's value) as an outline, in its JSON fields' order
// (the Go type's); empty fields are left out.
func Outline(v any) ([]Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("render: outline: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := outlineValue(dec)
	if err != nil {
		return nil, fmt.Errorf("render: outline: %w", err)
	}
	return n.Children, nil
}

// outlineValue reads one JSON value from dec as a node.
func outlineValue(dec *json.Decoder) (Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return Node{}, err
	}
	switch t := tok.(type) {
	case json.Delim:
		var n Node
		for i := 1; dec.More(); i++ {
			key := strconv.Itoa(i)
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return Node{}, err
				}
				key = strings.ReplaceAll(fmt.Sprint(k), "_", " ")
			}
			c, err := outlineValue(dec)
			if err != nil {
				return Node{}, err
			}
			if c.Value != "" || len(c.Children) > 0 {
				c.Key = key
				n.Children = append(n.Children, c)
			}
		}
		if _, err := dec.Token(); err != nil && err != io.EOF {
			return Node{}, err
		}
		return n, nil
	case bool:
		if t {
			return Node{Value: "yes"}, nil
		}
		return Node{Value: "no"}, nil
	case nil:
		return Node{}, nil
	default:
		return Node{Value: fmt.Sprint(t)}, nil
	}
}

// outlineMarkdown writes nodes as a nested list.
func outlineMarkdown(m *md, nodes []Node, depth int) {
	indent := strings.Repeat("  ", depth)
	for _, n := range nodes {
		if n.Value != "" {
			m.line("%s- **%s:** %s", indent, text(n.Key), text(n.Value))
			continue
		}
		m.line("%s- **%s**", indent, text(n.Key))
		outlineMarkdown(m, n.Children, depth+1)
	}
}
