package healthview

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"go.yaml.in/yaml/v3"
)

// keyFile is the keymap file: each action and the keys that do it, in
// bubbletea's names ("up", "k", "ctrl+c", "enter", "esc", "pgdown", "/").
// Actions left out keep their default keys.
type keyFile struct {
	Up      []string `yaml:"up"`
	Down    []string `yaml:"down"`
	Enter   []string `yaml:"enter"`
	Back    []string `yaml:"back"`
	Filter  []string `yaml:"filter"`
	Command []string `yaml:"command"`
	Sort    []string `yaml:"sort"`
	// Reverse flips the sort direction; Column holds the keys that sort by
	// the first, second, … column (pressed again, they reverse it).
	Reverse  []string `yaml:"reverse"`
	Column   []string `yaml:"column"`
	Describe []string `yaml:"describe"`
	YAML     []string `yaml:"yaml"`
	Help     []string `yaml:"help"`
	Quit     []string `yaml:"quit"`
}

// ParseKeyMap reads a keymap file (YAML, `action: [keys]`) over the
// defaults. Unknown actions, an action with no key, a key name bubbletea
// never reports (ValidKey) and a key bound to two actions are errors, so
// that a typo does not leave a key dead. Ctrl-C quits whatever the file
// says (the model handles it before the keymap).
func ParseKeyMap(data []byte) (KeyMap, error) {
	// YAML 1.2 (yaml/v3), so that y, n, Y, on and off stay keys rather than
	// turn into true and false.
	var f keyFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return KeyMap{}, fmt.Errorf("keymap: %w", err)
	}
	km := DefaultKeyMap()
	set := []struct {
		action string
		keys   []string
		b      *key.Binding
	}{
		{"up", f.Up, &km.Up}, {"down", f.Down, &km.Down}, {"enter", f.Enter, &km.Enter}, {"back", f.Back, &km.Back},
		{"filter", f.Filter, &km.Filter}, {"command", f.Command, &km.Command}, {"sort", f.Sort, &km.Sort},
		{"reverse", f.Reverse, &km.Reverse}, {"column", f.Column, &km.Column}, {"describe", f.Describe, &km.Describe},
		{"yaml", f.YAML, &km.YAML}, {"help", f.Help, &km.Help}, {"quit", f.Quit, &km.Quit},
	}
	owner := map[string]string{}
	for _, s := range set {
		if s.keys != nil {
			if len(s.keys) == 0 {
				return KeyMap{}, fmt.Errorf("keymap: %s has no key", s.action)
			}
			for _, k := range s.keys {
				if strings.TrimSpace(k) == "" {
					return KeyMap{}, fmt.Errorf("keymap: %s has an empty key", s.action)
				}
				if k == "ctrl+c" && s.action != "quit" {
					return KeyMap{}, fmt.Errorf("keymap: %s: ctrl+c always quits; bind another key to %s", s.action, s.action)
				}
				if !ValidKey(k) {
					return KeyMap{}, fmt.Errorf("keymap: %s: %s is not a key name; write one character (q, /, ?) or a name such as esc, enter, up, pgdown, f1, space, optionally after ctrl+, alt+ or shift+ (ctrl+c)", s.action, strconv.Quote(k))
				}
			}
			*s.b = key.NewBinding(key.WithKeys(s.keys...), key.WithHelp(strings.Join(s.keys, "/"), s.b.Help().Desc))
		}
		for _, k := range s.b.Keys() {
			if other, ok := owner[k]; ok && other != s.action {
				return KeyMap{}, fmt.Errorf("keymap: key %q is bound to both %s and %s", k, other, s.action)
			}
			owner[k] = s.action
		}
	}
	return km, nil
}

// keyModifiers are the modifiers of a key name, in the order bubbletea
// writes them ("ctrl+alt+x", never "alt+ctrl+x").
var keyModifiers = []string{"ctrl", "alt", "shift", "meta", "hyper", "super"}

// namedKeys are the keys bubbletea names rather than writes as their
// character.
var namedKeys = map[string]bool{
	"enter": true, "tab": true, "backspace": true, "esc": true, "space": true,
	"up": true, "down": true, "left": true, "right": true, "begin": true, "find": true,
	"insert": true, "delete": true, "select": true, "pgup": true, "pgdown": true, "home": true, "end": true,
}

// ValidKey says whether k is a key name a key press can have: one
// printable character, or a named key (esc, pgdown, f1 … f63), each
// optionally after modifiers in bubbletea's order (ctrl+, alt+, shift+,
// meta+, hyper+, super+). Escape sequences, control characters and
// misspelt names ("ctlr+c") are not.
func ValidKey(k string) bool {
	if utf8.RuneCountInString(k) == 1 {
		r, _ := utf8.DecodeRuneInString(k)
		return r != utf8.RuneError && unicode.IsPrint(r) && !unicode.IsSpace(r)
	}
	rest, next := k, 0
	for {
		mod, after, ok := strings.Cut(rest, "+")
		if !ok || after == "" {
			break
		}
		i := slices.Index(keyModifiers, mod)
		if i < next {
			break
		}
		rest, next = after, i+1
	}
	if namedKeys[rest] {
		return true
	}
	if n, ok := strings.CutPrefix(rest, "f"); ok {
		if i, err := strconv.Atoi(n); err == nil && i >= 1 && i <= 63 && strconv.Itoa(i) == n {
			return true
		}
	}
	if rest != k && utf8.RuneCountInString(rest) == 1 {
		return ValidKey(rest)
	}
	return false
}
