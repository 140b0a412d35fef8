package plan

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writeYAML renders an unstructured object (maps, slices, strings, numbers
// and booleans, as runtime.DefaultUnstructuredConverter gives them) as block
// YAML the way kubectl prints it: two-space indentation, sorted keys,
// sequences at their key's indentation. A string stays plain only when YAML
// cannot read it as anything else; all others are quoted. It
// replaces a general YAML encoder, whose per-document cost dominated
// rendering thousands of manifests.
func writeYAML(b *bytes.Buffer, m map[string]any) {
	writeMap(b, m, 0, false)
}

// writeMap writes a mapping at indent; inline says its first key follows a
// sequence's "- " on the current line.
func writeMap(b *bytes.Buffer, m map[string]any, indent int, inline bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 || !inline {
			b.WriteString(strings.Repeat(" ", indent))
		}
		b.WriteString(scalarString(k))
		b.WriteByte(':')
		writeValue(b, m[k], indent)
	}
}

// writeValue writes what follows "key:": a scalar on the same line, or a
// nested block on the next lines.
func writeValue(b *bytes.Buffer, v any, indent int) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		writeMap(b, x, indent+2, false)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		writeSeq(b, x, indent)
	default:
		b.WriteByte(' ')
		b.WriteString(scalar(v))
		b.WriteByte('\n')
	}
}

func writeSeq(b *bytes.Buffer, s []any, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, item := range s {
		b.WriteString(pad)
		b.WriteString("- ")
		switch x := item.(type) {
		case map[string]any:
			if len(x) == 0 {
				b.WriteString("{}\n")
				continue
			}
			writeMap(b, x, indent+2, true)
		case []any:
			if len(x) == 0 {
				b.WriteString("[]\n")
				continue
			}
			b.WriteByte('\n')
			writeSeq(b, x, indent+2)
		default:
			b.WriteString(scalar(item))
			b.WriteByte('\n')
		}
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return scalarString(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strconv.Quote(fmt.Sprint(v))
}

// scalarString keeps a string plain when YAML cannot read it as anything
// but that string: letters, digits and _ / - . only (- and . not first),
// and not a number, boolean or null of YAML 1.1 or 1.2. Anything else is
// quoted.
func scalarString(s string) string {
	if s == "" {
		return `""`
	}
	for i, r := range s {
		ok := (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_' || r == '/' ||
			(i > 0 && (r == '-' || r == '.'))
		if !ok {
			return quoted(s)
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf":
		return quoted(s)
	}
	if s[0] >= '0' && s[0] <= '9' { // only these can read as numbers here
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return quoted(s)
		}
		if _, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64); err == nil {
			return quoted(s)
		}
	}
	return s
}

// quoted single-quotes a string as kubectl does (” for a quote), so JSON
// annotation values stay readable. A string with anything a YAML reader
// would not take back as it is inside single quotes is double-quoted with
// escapes instead: control characters (C0, DEL and C1, among them U+0085,
// which YAML 1.1 folds into a space), the line and paragraph separators
// U+2028 and U+2029, and every other rune Go does not call printable
// (format characters such as U+FEFF and U+202E, noncharacters such as
// U+FFFE, unassigned code points). Go's escapes for those (\n, \t, \x1b,
// \u0085, \U0001fffe) are YAML's too; a byte that is not UTF-8 becomes
// U+FFFD first, as a JSON encoder makes it, since YAML's \xNN is a code
// point, not a byte.
func quoted(s string) string {
	if !utf8.ValidString(s) {
		return strconv.Quote(string([]rune(s)))
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || !strconv.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
