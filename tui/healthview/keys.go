package healthview

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"sigs.k8s.io/yaml"
)

// keyFile is the keymap file: each action and the keys that do it, in
// bubbletea's names ("up", "k", "ctrl+c", "enter", "esc", "pgdown", "/").
// Actions left out keep their default keys.
type keyFile struct {
	Up      []string `json:"up"`
	Down    []string `json:"down"`
	Enter   []string `json:"enter"`
	Back    []string `json:"back"`
	Filter  []string `json:"filter"`
	Command []string `json:"command"`
	Sort    []string `json:"sort"`
	Help    []string `json:"help"`
	Quit    []string `json:"quit"`
}

// ParseKeyMap reads a keymap file (YAML, `action: [keys]`) over the
// defaults. Unknown actions, an action with no key and a key bound to two
// actions are errors, so that a typo does not leave a key dead.
func ParseKeyMap(data []byte) (KeyMap, error) {
	var f keyFile
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
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
		{"help", f.Help, &km.Help}, {"quit", f.Quit, &km.Quit},
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
