package http

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
	"golang.org/x/crypto/bcrypt"
)

const cookieName = "minwon_session"

type ctxKey int

const userKey ctxKey = 0

type authed struct {
	user  *minwon.User
	token string
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// csrfFor derives the CSRF token from the session token, so nothing extra is
// stored and every node can check it.
func csrfFor(token string) string {
	sum := sha256.Sum256([]byte("csrf\x00" + token))
	return hex.EncodeToString(sum[:16])
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }

// a dummy hash so a login for an unknown user costs as much as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type meResponse struct {
	User  *minwon.User `json:"user"`
	CSRF  string       `json:"csrf"`
	Agent any          `json:"agent,omitempty"`
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := s.decode(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	// Failed logins are limited per address (a whole center may sit behind
	// one office address, so successes don't count), and every attempt per
	// login name.
	ip := clientIP(r)
	if s.limits.over("login-fail-ip:"+ip, s.cfg.LoginsPerIP, time.Minute) || !s.limits.allow("login-user:"+req.Login, 10, time.Minute) {
		s.fail(w, r, &minwon.Error{Code: "rate_limited", Message: "too many login attempts; wait a minute"})
		return
	}
	u, err := s.store.UserByLogin(r.Context(), req.Login)
	hash := dummyHash
	if err == nil && u.PasswordHash != "" {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(req.Password)) != nil || u == nil || u.Disabled {
		s.limits.allow("login-fail-ip:"+ip, s.cfg.LoginsPerIP, time.Minute)
		s.fail(w, r, minwon.Errorf(minwon.EUNAUTHORIZED, "wrong login or password"))
		return
	}
	token := randomToken()
	now := s.center.Now()
	ev := minwon.NewEvent(minwon.EventSessionCreated, now, minwon.SessionCreated{TokenHash: hashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)})
	ev.TenantID, ev.ActorID = u.TenantID, u.ID
	if err := s.center.Record(r.Context(), ev); err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: token, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteStrictMode, Expires: now.Add(s.cfg.SessionTTL)})
	u.PasswordHash = ""
	writeJSON(w, http.StatusOK, meResponse{User: u, CSRF: csrfFor(token)})
}

func randomToken() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("minwon: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	a := r.Context().Value(userKey).(*authed)
	ev := minwon.NewEvent(minwon.EventSessionEnded, s.center.Now(), minwon.SessionEnded{TokenHash: hashToken(a.token)})
	ev.TenantID, ev.ActorID = a.user.TenantID, a.user.ID
	if err := s.center.Record(r.Context(), ev); err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.forget(hashToken(a.token)) // now, not when the event comes round on the bus
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	a := r.Context().Value(userKey).(*authed)
	resp := meResponse{User: a.user, CSRF: csrfFor(a.token)}
	if st, ok := s.center.Agent(a.user.ID); ok {
		resp.Agent = st
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticate returns the logged-in user of a request.
func (s *Server) authenticate(r *http.Request) (*authed, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || len(c.Value) != 64 {
		return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "please log in")
	}
	sess, err := s.sessions.get(r.Context(), hashToken(c.Value))
	if err != nil {
		if minwon.ErrorCode(err) == minwon.ENOTFOUND {
			return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "please log in")
		}
		return nil, err
	}
	if !sess.ExpiresAt.After(s.center.Now()) {
		return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "your session expired; please log in again")
	}
	u := s.center.User(sess.UserID)
	if u == nil || u.Disabled {
		return nil, minwon.Errorf(minwon.EUNAUTHORIZED, "please log in")
	}
	u.PasswordHash = ""
	return &authed{user: u, token: c.Value}, nil
}

// guard wraps a handler with authentication, the role check and, for
// anything but GET, the CSRF check. role "" admits any logged-in user.
func (s *Server) guard(role minwon.Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			got := r.Header.Get("X-CSRF-Token")
			if subtle.ConstantTimeCompare([]byte(got), []byte(csrfFor(a.token))) != 1 {
				s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "missing or wrong X-CSRF-Token header"))
				return
			}
		}
		if role != "" && !a.user.HasRole(role) {
			s.fail(w, r, minwon.Errorf(minwon.EFORBIDDEN, "this needs the %s role", role))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey, a)))
	}
}

func userOf(r *http.Request) *minwon.User { return r.Context().Value(userKey).(*authed).user }

// limiter is a per-key fixed-window counter with a concurrent-use count.
type limiter struct {
	now     func() time.Time
	mu      sync.Mutex
	windows map[string]*window
	inUse   map[string]int
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, windows: map[string]*window{}, inUse: map[string]int{}}
}

// allow counts one use of key and reports whether it is within max per per.
func (l *limiter) allow(key string, max int, per time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w := l.windows[key]
	if w == nil || now.Sub(w.start) >= per {
		if len(l.windows) > 100000 { // bound memory under a flood of distinct keys
			for k, old := range l.windows {
				if now.Sub(old.start) >= per {
					delete(l.windows, k)
				}
			}
		}
		w = &window{start: now}
		l.windows[key] = w
	}
	w.n++
	return w.n <= max
}

// over reports whether key has been used max times in its current window,
// without counting a use.
func (l *limiter) over(key string, max int, per time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	return w != nil && l.now().Sub(w.start) < per && w.n >= max
}

// acquire takes one of max concurrent slots for key; release gives it back.
func (l *limiter) acquire(key string, max int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inUse[key] >= max {
		return false
	}
	l.inUse[key]++
	return true
}

func (l *limiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inUse[key]--; l.inUse[key] <= 0 {
		delete(l.inUse, key)
	}
}
