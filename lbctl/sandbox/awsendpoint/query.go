package awsendpoint

import (
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
)

// params reads the form parameters of a Query-protocol request as the SDK's
// query serializer writes them.
type params struct {
	url.Values
}

// str returns a scalar parameter.
func (p params) str(key string) string {
	return p.Get(key)
}

// list reads an indexed list: prefix.1, prefix.2, … The SDK numbers items
// contiguously from 1; an empty list is sent as "prefix=" (awsquery) or not
// at all (ec2query), and both read as nil.
func (p params) list(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		vs, ok := p.Values[prefix+"."+strconv.Itoa(i)]
		if !ok || len(vs) == 0 {
			return out
		}
		out = append(out, vs[0])
	}
}

// members reads an awsquery list: Name.member.1, Name.member.2, …
func (p params) members(name string) []string {
	return p.list(name + ".member")
}

// count returns how many items an indexed list of structures has, by probing
// prefix.N.field.
func (p params) count(prefix, field string) int {
	n := 0
	for {
		if _, ok := p.Values[prefix+"."+strconv.Itoa(n+1)+"."+field]; !ok {
			return n
		}
		n++
	}
}

// integer reads an optional integer parameter.
func (p params) integer(key string) (n int, present bool, err error) {
	s := p.Get(key)
	if s == "" {
		return 0, false, nil
	}
	n, err = strconv.Atoi(s)
	return n, true, err
}

// filter is one EC2 Filter.N: a name and the values any of which may match.
type filter struct {
	name   string
	values []string
}

// filters reads EC2 Filter.N.Name / Filter.N.Value.M.
func (p params) filters() []filter {
	n := p.count("Filter", "Name")
	out := make([]filter, 0, n)
	for i := 1; i <= n; i++ {
		prefix := "Filter." + strconv.Itoa(i)
		out = append(out, filter{name: p.Get(prefix + ".Name"), values: p.list(prefix + ".Value")})
	}
	return out
}

// markerPrefix makes pagination markers opaque-looking and recognisable.
const markerPrefix = "lbctl-seq:"

// encodeMarker turns the sequence number of the first item of the next page
// into a marker.
func encodeMarker(seq uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(markerPrefix + strconv.FormatUint(seq, 10)))
}

// decodeMarker is the inverse of encodeMarker; "" means the first page.
func decodeMarker(marker string) (uint64, bool) {
	if marker == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(marker)
	if err != nil {
		return 0, false
	}
	s, ok := strings.CutPrefix(string(b), markerPrefix)
	if !ok {
		return 0, false
	}
	seq, err := strconv.ParseUint(s, 10, 64)
	return seq, err == nil
}

// paginate returns the page of at most size entries starting at marker and
// the marker of the next page ("" on the last). Markers name a position in
// insertion order, so objects added or removed between pages neither repeat
// nor shift the rest. size <= 0 means everything.
func paginate[T any](entries []entry[T], marker string, size int) (page []T, next string, ok bool) {
	from, ok := decodeMarker(marker)
	if !ok {
		return nil, "", false
	}
	i := 0
	for i < len(entries) && entries[i].seq < from {
		i++
	}
	entries = entries[i:]
	if size > 0 && len(entries) > size {
		next = encodeMarker(entries[size].seq)
		entries = entries[:size]
	}
	return values(entries), next, true
}
