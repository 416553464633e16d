package minwon

import (
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// The payload an event was built from, kept beside its JSON.
//
// Every consumer of an event decodes its payload: the store for its read
// models, the policy register, the frame builder for the sockets. For a
// chat message that is three JSON decodes of bytes this process encoded
// a moment before, a tenth of the server's CPU under load. When the
// payload is a flat struct (exported fields of strings, numbers, booleans
// and times only, every string valid UTF-8), a copy of it is exactly what
// decoding its JSON into a zero value would give, so Decode hands out that
// copy instead. Events read from a store or from another node carry no
// payload and decode their JSON as before.

// kept is the payload and the JSON it was marshalled to. Decode uses the
// payload only while the event's Data is still that JSON, so code that
// replaces or clears Data (redaction) is never undone.
type kept struct {
	v    reflect.Value
	data []byte
}

var flatTypes sync.Map // reflect.Type → bool

var timeType = reflect.TypeFor[time.Time]()

// flat reports whether a copy of a value of type t shares nothing with
// the original and survives a JSON round trip unchanged (strings aside,
// which keepable checks per value).
func flat(t reflect.Type) bool {
	if ok, seen := flatTypes.Load(t); seen {
		return ok.(bool)
	}
	ok := t.Kind() == reflect.Struct
	for i := 0; ok && i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || f.Anonymous || name == "-" || strings.Contains(f.Tag.Get("json"), ",string") {
			ok = false
			break
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
		case reflect.Struct:
			ok = f.Type == timeType
		default:
			ok = false
		}
	}
	flatTypes.Store(t, ok)
	return ok
}

// keepable returns data as a value to keep, when it is a flat struct (or
// a pointer to one) whose strings JSON carries unchanged.
func keepable(data any) (reflect.Value, bool) {
	v := reflect.ValueOf(data)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return reflect.Value{}, false
		}
		v = v.Elem()
	}
	if !flat(v.Type()) {
		return reflect.Value{}, false
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v) // the event's own copy: the caller may change its value later
	for i := 0; i < c.NumField(); i++ {
		f := c.Field(i)
		switch f.Kind() {
		case reflect.String:
			if !utf8.ValidString(f.String()) {
				return reflect.Value{}, false // JSON would carry U+FFFD instead
			}
		case reflect.Struct:
			// A time.Time. JSON keeps the instant and the offset, which
			// reads back as UTC or Local; it drops the monotonic reading.
			t := f.Interface().(time.Time)
			if loc := t.Location(); loc != time.UTC && loc != time.Local {
				return reflect.Value{}, false
			}
			f.Set(reflect.ValueOf(t.Round(0)))
		}
	}
	return c, true
}

// decodeKept copies the kept payload into v when v points to a zero value
// of the payload's type and Data is still the payload's JSON.
func (e *Event) decodeKept(v any) bool {
	k := e.kept
	if k == nil || len(e.Data) == 0 || len(e.Data) != len(k.data) || &e.Data[0] != &k.data[0] {
		return false
	}
	p := reflect.ValueOf(v)
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Type().Elem() != k.v.Type() {
		return false
	}
	if t := p.Elem(); t.IsZero() {
		t.Set(k.v)
		return true
	}
	return false // JSON would merge into what is there
}
