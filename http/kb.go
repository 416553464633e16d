package http

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/kb"
)

// MaxImportBytes bounds one knowledge-base import upload: a city's whole
// manual of a few thousand articles is a few megabytes.
const MaxImportBytes = 32 << 20

// The knowledge-base management API. Writing drafts needs a counselor or
// supervisor, deciding needs a supervisor; the center checks the roles, so
// the routes only require a login.

func (s *Server) articleStore() (minwon.ArticleStore, error) {
	as, ok := s.store.(minwon.ArticleStore)
	if !ok {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "this store keeps no knowledge base")
	}
	return as, nil
}

// since reads a "today" or RFC 3339 time parameter.
func (s *Server) since(v string) (time.Time, error) {
	switch v {
	case "":
		return time.Time{}, nil
	case "today":
		return s.center.StartOfDay(s.center.Now()), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, minwon.Errorf(minwon.EINVALID, "%q is neither \"today\" nor an RFC 3339 time", v)
	}
	return t, nil
}

func (s *Server) kbList(w http.ResponseWriter, r *http.Request) {
	as, err := s.articleStore()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	f := minwon.ArticleFilter{Category: q.Get("category"), Department: q.Get("department"), Live: q.Get("live") == "true", Pending: q.Get("pending") == "true"}
	if f.PublishedSince, err = s.since(q.Get("published_since")); err != nil {
		s.fail(w, r, err)
		return
	}
	if f.ChangedSince, err = s.since(q.Get("changed_since")); err != nil {
		s.fail(w, r, err)
		return
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 {
		f.Limit = n
	}
	text := strings.TrimSpace(q.Get("q"))
	if err := minwon.ValidateText(text, 500); err != nil {
		s.fail(w, r, err)
		return
	}
	if text != "" {
		f.Limit = 0 // the text filter runs after the store's
	}
	arts, err := as.Articles(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if text != "" {
		out := arts[:0]
		for _, a := range arts {
			if hay := a.ID + " " + a.Current.Title; strings.Contains(strings.ToLower(hay), strings.ToLower(text)) ||
				a.Draft != nil && strings.Contains(a.Draft.Title, text) {
				out = append(out, a)
			}
		}
		arts = out
	}
	writeJSON(w, http.StatusOK, arts)
}

type articleHistory struct {
	Article  *minwon.Article          `json:"article"`
	Versions []*minwon.ArticleVersion `json:"versions"`
}

func (s *Server) kbVersions(w http.ResponseWriter, r *http.Request) {
	as, err := s.articleStore()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	a, err := as.Article(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vs, err := as.ArticleVersions(r.Context(), a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, articleHistory{Article: a, Versions: vs})
}

type articleRequest struct {
	ID string `json:"id,omitempty"`
	minwon.ArticleContent
	Submit bool `json:"submit,omitempty"` // submit for review at once
}

func (s *Server) kbSave(w http.ResponseWriter, r *http.Request) {
	var req articleRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	id := req.ID
	if p := r.PathValue("id"); p != "" {
		id = p
	}
	v, err := s.center.SaveArticle(r.Context(), userOf(r).ID, id, req.ArticleContent)
	if err == nil && req.Submit {
		v, err = s.center.SubmitArticle(r.Context(), userOf(r).ID, v.ArticleID, v.Version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

type decisionRequest struct {
	Version int    `json:"version"`
	Note    string `json:"note,omitempty"`
}

func (s *Server) kbDecision(act func(*Server, *http.Request, string, decisionRequest) (*minwon.ArticleVersion, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req decisionRequest
		if err := s.decode(w, r, &req); err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := act(s, r, r.PathValue("id"), req)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) kbSubmit(w http.ResponseWriter, r *http.Request) {
	s.kbDecision(func(s *Server, r *http.Request, id string, d decisionRequest) (*minwon.ArticleVersion, error) {
		return s.center.SubmitArticle(r.Context(), userOf(r).ID, id, d.Version)
	})(w, r)
}

func (s *Server) kbApprove(w http.ResponseWriter, r *http.Request) {
	s.kbDecision(func(s *Server, r *http.Request, id string, d decisionRequest) (*minwon.ArticleVersion, error) {
		return s.center.ApproveArticle(r.Context(), userOf(r).ID, id, d.Version)
	})(w, r)
}

func (s *Server) kbReject(w http.ResponseWriter, r *http.Request) {
	s.kbDecision(func(s *Server, r *http.Request, id string, d decisionRequest) (*minwon.ArticleVersion, error) {
		return s.center.RejectArticle(r.Context(), userOf(r).ID, id, d.Version, d.Note)
	})(w, r)
}

type retireRequest struct {
	Note string `json:"note"`
}

func (s *Server) kbRetire(w http.ResponseWriter, r *http.Request) {
	var req retireRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.center.RetireArticle(r.Context(), userOf(r).ID, r.PathValue("id"), req.Note); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// importProgress is one line of the import's NDJSON answer.
type importProgress struct {
	Stage  string               `json:"stage"` // parsed, checked, done, error
	Done   int                  `json:"done,omitempty"`
	Total  int                  `json:"total,omitempty"`
	Result *center.ImportResult `json:"result,omitempty"`
	Error  *errorDetail         `json:"error,omitempty"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// readImport reads the upload: a raw body in ?format=, or a multipart form
// whose "file" parts (several Markdown files, say) each name their format by
// extension. The whole upload is parsed before anything is stored.
func (s *Server) readImport(w http.ResponseWriter, r *http.Request) ([]kb.Article, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBytes)
	tooLarge := func(err error) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return minwon.Errorf(minwon.ETOOLARGE, "the upload is larger than %d MiB", MaxImportBytes>>20)
		}
		return minwon.Errorf(minwon.EINVALID, "read upload: %v", err)
	}
	format := r.URL.Query().Get("format")
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, tooLarge(err)
		}
		if format == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "say the format: ?format=jsonl, csv or md")
		}
		return kb.ParseImport(format, "upload."+format, data)
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	var all []kb.Article
	seen := map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, tooLarge(err)
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, tooLarge(err)
		}
		name := path.Base(p.FileName())
		arts, err := kb.ParseImport(format, name, data)
		if err != nil {
			return nil, minwon.Errorf(minwon.ErrorCode(err), "%s: %s", name, minwon.ErrorMessage(err))
		}
		for _, a := range arts {
			if prev, ok := seen[a.ID]; ok {
				return nil, minwon.Errorf(minwon.EINVALID, "%s: id %q is also in %s", name, a.ID, prev)
			}
			seen[a.ID] = name
		}
		all = append(all, arts...)
	}
	if len(all) == 0 {
		return nil, minwon.Errorf(minwon.EINVALID, "the upload holds no articles")
	}
	return all, nil
}

// kbImport parses the whole upload first, so a bad line is answered with
// 400 and its line number before anything is stored; then it streams NDJSON
// progress lines while the articles are checked and ends with the result.
// The import is one transaction: all of it is stored or none.
func (s *Server) kbImport(w http.ResponseWriter, r *http.Request) {
	publish := r.URL.Query().Get("publish") == "true"
	if publish && !userOf(r).HasRole(minwon.RoleSupervisor) {
		s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "only supervisors publish an import"))
		return
	}
	arts, err := s.readImport(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	send := func(p importProgress) {
		enc.Encode(p)
		rc.Flush()
	}
	send(importProgress{Stage: "parsed", Total: len(arts)})
	step := max(1, len(arts)/50) // about fifty progress lines, whatever the size
	res, err := s.center.ImportArticles(r.Context(), userOf(r).ID, arts, publish, func(done, total int) {
		if done%step == 0 || done == total {
			send(importProgress{Stage: "checked", Done: done, Total: total})
		}
	})
	if err != nil {
		if minwon.ErrorCode(err) == minwon.EINTERNAL {
			s.log.Error("import articles", "err", err)
		}
		send(importProgress{Stage: "error", Error: &errorDetail{Code: minwon.ErrorCode(err), Message: minwon.ErrorMessage(err)}})
		return
	}
	send(importProgress{Stage: "done", Done: len(arts), Total: len(arts), Result: &res})
}

// exportArticles returns the published articles (?which=live, the default)
// or the newest version of every article, drafts included (?which=latest).
func (s *Server) exportArticles(r *http.Request) ([]kb.Article, error) {
	as, err := s.articleStore()
	if err != nil {
		return nil, err
	}
	return kb.FromStore(r.Context(), as, r.URL.Query().Get("which"))
}

func (s *Server) kbExport(w http.ResponseWriter, r *http.Request) {
	arts, err := s.exportArticles(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	format := r.URL.Query().Get("format")
	var ctype, ext string
	switch format {
	case "", "jsonl":
		ctype, ext, err = "application/x-ndjson; charset=utf-8", "jsonl", kb.WriteJSONL(&buf, arts)
	case "csv":
		ctype, ext, err = "text/csv; charset=utf-8", "csv", kb.WriteCSV(&buf, arts)
	case "md":
		// A folder of Markdown files travels as a zip of them.
		ctype, ext = "application/zip", "zip"
		zw := zip.NewWriter(&buf)
		for _, a := range arts {
			name, data := kb.MarkdownFile(a)
			f, zerr := zw.Create(name)
			if zerr == nil {
				_, zerr = f.Write(data)
			}
			if zerr != nil {
				err = zerr
				break
			}
		}
		err = errors.Join(err, zw.Close())
	default:
		s.fail(w, r, minwon.Errorf(minwon.EINVALID, "unknown export format %q: use jsonl, csv or md", format))
		return
	}
	if err != nil {
		s.fail(w, r, fmt.Errorf("export articles: %w", err))
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=\"kb-%s.%s\"", s.center.Now().In(s.center.Location()).Format("20060102"), ext))
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

type dictionaryBody struct {
	Entries map[string][]string `json:"entries"`
}

func (s *Server) kbDictionary(w http.ResponseWriter, r *http.Request) {
	as, err := s.articleStore()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := as.Dictionary(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dictionaryBody{Entries: d})
}

func (s *Server) kbSaveDictionary(w http.ResponseWriter, r *http.Request) {
	var req dictionaryBody
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.center.SaveDictionary(r.Context(), userOf(r).ID, req.Entries)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dictionaryBody{Entries: d})
}
