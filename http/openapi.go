package http

import (
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// openapi serves an OpenAPI 3.1 document generated from the route table and
// the Go types of bodies and answers, so it can't drift from the code.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.OpenAPI())
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

// OpenAPI builds the document.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{defs: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range s.routes {
		op := map[string]any{
			"summary":     rt.summary,
			"tags":        []string{rt.tag},
			"operationId": strings.ToLower(rt.method) + strings.NewReplacer("/", "_", "{", "", "}", "").Replace(rt.path),
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.body))}}}
		}
		responses := map[string]any{
			"default": map[string]any{"description": "An error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}},
		}
		if media, ok := rt.resp.(binaryResponse); ok {
			body := map[string]any{string(media): map[string]any{"schema": map[string]string{"type": "string", "format": "binary"}}}
			responses["200"] = map[string]any{"description": "OK", "content": body}
			responses["206"] = map[string]any{"description": "The range asked for (Range: bytes=…)", "content": body}
		} else if rt.resp == nil {
			responses["204"] = map[string]any{"description": "Done"}
		} else {
			responses["200"] = map[string]any{"description": "OK", "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(rt.resp))}}}
		}
		op["responses"] = responses
		if rt.role == public {
			op["security"] = []any{}
		} else if rt.role != "" {
			op["x-minwon-role"] = rt.role
		}
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	g.defs["Error"] = g.schema(reflect.TypeOf(errorBody{}))
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{"title": "minwon API", "version": minwon.Version,
			"description": "REST API of minwon, a contact center for public civil-complaint (120/311) centers. WebSockets: /ws/chat (citizen), /ws/desk (counselor), /ws/board (supervisor); see docs/api.md. Mutating requests need the X-CSRF-Token header returned at login."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         g.defs,
			"securitySchemes": map[string]any{"session": map[string]any{"type": "apiKey", "in": "cookie", "name": cookieName}},
		},
		"security": []any{map[string]any{"session": []string{}}},
	}
}

// binaryResponse marks a route that answers with a file of this media
// type, served with Range, instead of JSON.
type binaryResponse string

type schemaGen struct{ defs map[string]any }

var timeType = reflect.TypeOf(time.Time{})
var durationType = reflect.TypeOf(time.Duration(0))

func (g *schemaGen) schema(t reflect.Type) any {
	switch {
	case t == timeType:
		return map[string]string{"type": "string", "format": "date-time"}
	case t == durationType:
		return map[string]string{"type": "integer", "description": "nanoseconds"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.String:
		return map[string]string{"type": "string"}
	case reflect.Bool:
		return map[string]string{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.Uint32:
		return map[string]string{"type": "integer"}
	case reflect.Float64, reflect.Float32:
		return map[string]string{"type": "number"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{} // json.RawMessage: any JSON
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:]
			if _, ok := g.defs[name]; ok {
				return map[string]string{"$ref": "#/components/schemas/" + name}
			}
			g.defs[name] = nil // break recursion
		}
		props := map[string]any{}
		g.fields(t, props)
		obj := map[string]any{"type": "object", "properties": props}
		if name == "" {
			return obj
		}
		g.defs[name] = obj
		return map[string]string{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			g.fields(ft, props)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		props[name] = g.schema(f.Type)
	}
}
