package loadtest

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Values that reach a report come from servers (the pod header), files
// (target files, RUN.json) and flags: each sink escapes them its own way,
// so that none can move a terminal's cursor, set its title, clear it, add
// a Markdown link or table column, or start a workflow command.

// maxShown bounds how much of one value a report prints.
const maxShown = 256

// TerminalText is s as a terminal may show it: control characters
// (ESC, CR, LF, BEL, C1 codes), bidirectional overrides and invalid UTF-8
// written as Go escapes (\x1b, \u202e), and at most 256 bytes of it kept.
func TerminalText(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean && len(s) <= maxShown {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= maxShown {
			b.WriteString("…")
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r, n):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports a rune a terminal would act on rather than show.
func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return true
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true // bidirectional overrides and marks
	}
	return false
}

// markdownText is s as plain text in Markdown: terminal-safe, and every
// character that could open markup (emphasis, code, links, images, HTML,
// entities, strikethrough, headings) or end a table cell backslash-escaped,
// as CommonMark allows for any ASCII punctuation.
func markdownText(s string) string {
	s = TerminalText(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte("\\`*_[]<>|&~!#", s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// markdownCode is s as a Markdown code span: terminal-safe, fenced with
// one backtick more than the longest run of backticks in it (padded with
// spaces when it starts or ends with one), so nothing in it is markup. In
// a table cell, pass cell: a '|' is then written \| (GitHub's tables split
// cells before reading code spans).
func markdownCode(s string, cell bool) string {
	s = TerminalText(s)
	if cell {
		s = strings.ReplaceAll(s, "|", `\|`)
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") || s == "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// workflowText is s as a GitHub Actions workflow command's message:
// terminal-safe (it goes to stderr), with %, CR and LF escaped as the
// runner decodes them, so it cannot end the command or start another.
func workflowText(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(TerminalText(s))
}
