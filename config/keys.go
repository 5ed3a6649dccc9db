package config

import (
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// The key paths of the configuration are derived from the mapstructure
// tags of Config, never kept by hand: the environment bindings, the order
// of problems and the test that the example documents every key all walk
// the same struct.

// isSection reports whether t is a struct of this package, that is a group
// of keys, as opposed to a value such as netip.Prefix.
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.PkgPath() == reflect.TypeFor[Config]().PkgPath()
}

// keyName returns the YAML key of a struct field, "" if it is not a key.
func keyName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
	if name == "-" {
		return ""
	}
	return name
}

// joinKey appends name to a key path.
func joinKey(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// envKeys returns every key that can be set from the environment: all
// leaves, except those inside lists of sections (radius.clients,
// policy.rules), which come from the file only.
func envKeys() []string {
	var keys []string
	collectLeaves(reflect.TypeFor[Config](), "", &keys)
	return keys
}

func collectLeaves(t reflect.Type, prefix string, keys *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name := keyName(f)
		if name == "" {
			continue
		}
		key := joinKey(prefix, name)
		switch {
		case isSection(f.Type):
			collectLeaves(f.Type, key, keys)
		case f.Type.Kind() == reflect.Slice && isSection(f.Type.Elem()):
			// A list of sections is file-only.
		default:
			*keys = append(*keys, key)
		}
	}
}

// keySegment is one step of a key path: a field name or a list index.
type keySegment struct {
	name  string
	index int // -1 for a name
}

// splitKey splits "radius.clients[1].address" into radius, clients, [1],
// address.
func splitKey(key string) []keySegment {
	var segs []keySegment
	for part := range strings.SplitSeq(key, ".") {
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			segs = append(segs, keySegment{name: name, index: -1})
		}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if err != nil {
				i = math.MaxInt
			}
			segs = append(segs, keySegment{index: i})
			_, rest, _ = strings.Cut(after, "[")
		}
	}
	return segs
}

// keyRank maps a key path to its position in the layout of Config: the
// field number for a name (a name that is no field ranks after all
// fields) and the element number for an index.
func keyRank(key string) []int {
	t := reflect.TypeFor[Config]()
	rank := make([]int, 0, 4)
	for _, seg := range splitKey(key) {
		if seg.index >= 0 {
			rank = append(rank, seg.index)
			if t != nil && t.Kind() == reflect.Slice {
				t = t.Elem()
			}
			continue
		}
		pos, ft := fieldPosition(t, seg.name)
		rank = append(rank, pos)
		t = ft
	}
	return rank
}

// fieldPosition returns the number and type of the field of t keyed name;
// for an unknown name, a number after all fields and a nil type.
func fieldPosition(t reflect.Type, name string) (int, reflect.Type) {
	if t == nil || t.Kind() != reflect.Struct {
		return math.MaxInt, nil
	}
	for i := range t.NumField() {
		if keyName(t.Field(i)) == name {
			return i, t.Field(i).Type
		}
	}
	return t.NumField(), nil
}

// sortProblems orders problems by key as they appear in the file layout;
// problems of the same key keep the order in which they were found.
func sortProblems(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return slices.Compare(keyRank(a.Key), keyRank(b.Key))
	})
}
