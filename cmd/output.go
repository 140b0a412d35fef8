package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"
)

// printStructured writes v to w as JSON (indented by two spaces, ending in a
// newline) or as YAML: what every command's -o json and -o yaml print.
// Commands check format beforehand; any other is an error.
func printStructured(w io.Writer, format string, v any) error {
	var b []byte
	var err error
	switch format {
	case "json":
		if b, err = json.MarshalIndent(v, "", "  "); err == nil {
			b = append(b, '\n')
		}
	case "yaml":
		b, err = yaml.Marshal(v)
	default:
		return fmt.Errorf("output format %q is neither json nor yaml", format)
	}
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
