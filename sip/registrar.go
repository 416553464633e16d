package sip

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
)

// Registration bounds: a phone asking for less or more gets these.
const (
	minExpires     = 60 * time.Second
	maxExpires     = time.Hour
	nonceLifetime  = 5 * time.Minute
	defaultExpires = time.Hour
)

// registrar accepts REGISTER from counselors' phones with digest
// authentication against their SIP password, and keeps where each phone
// answers. A registered phone counts as a connection of the counselor, so
// presence follows the device: when it unregisters or its registration
// lapses, the counselor is no longer reachable through it.
type registrar struct {
	center Center
	log    *slog.Logger
	now    func() time.Time
	key    []byte // signs nonces; per node, so a phone that moves is simply challenged again

	mu       sync.Mutex
	creds    map[string]minwon.SIPPasswordSet // by login
	bindings map[string]*binding              // by user ID
}

type binding struct {
	contact string
	expires time.Time
	timer   *time.Timer
}

func newRegistrar(c Center, log *slog.Logger, now func() time.Time) *registrar {
	key := make([]byte, 32)
	rand.Read(key)
	return &registrar{center: c, log: log, now: now, key: key, creds: map[string]minwon.SIPPasswordSet{}, bindings: map[string]*binding{}}
}

func (r *registrar) load(ctx context.Context) error {
	creds, err := r.center.SIPCredentials(ctx)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.creds = creds
	r.mu.Unlock()
	return nil
}

// apply follows credential changes on the bus.
func (r *registrar) apply(ev *minwon.Event) {
	if ev.Type != minwon.EventSIPPasswordSet {
		return
	}
	var p minwon.SIPPasswordSet
	if ev.Decode(&p) != nil {
		return
	}
	r.mu.Lock()
	for login, old := range r.creds {
		if old.UserID == p.UserID {
			delete(r.creds, login)
		}
	}
	r.creds[p.Login] = p
	r.mu.Unlock()
}

// endpoint returns where a counselor's phone answers, if it is registered.
func (r *registrar) endpoint(userID string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bindings[userID]
	if b == nil || !r.now().Before(b.expires) {
		return "", false
	}
	return b.contact, true
}

func (r *registrar) nonce() string {
	ts := strconv.FormatInt(r.now().Unix(), 16)
	return ts + "." + r.sign(ts)
}

func (r *registrar) sign(ts string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil))[:24]
}

// fresh reports whether nonce is ours and young enough.
func (r *registrar) fresh(nonce string) bool {
	ts, sig, ok := strings.Cut(nonce, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(r.sign(ts))) {
		return false
	}
	sec, err := strconv.ParseInt(ts, 16, 64)
	if err != nil {
		return false
	}
	age := r.now().Sub(time.Unix(sec, 0))
	return age >= -time.Minute && age <= nonceLifetime
}

func (r *registrar) challenge(req *sipmsg.Request, tx sipmsg.ServerTransaction, stale bool) {
	res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusUnauthorized, "Unauthorized", nil)
	v := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, center.SIPRealm, r.nonce())
	if stale {
		v += ", stale=true"
	}
	res.AppendHeader(sipmsg.NewHeader("WWW-Authenticate", v))
	tx.Respond(res)
}

// handle answers one REGISTER.
func (r *registrar) handle(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	h := req.GetHeader("Authorization")
	if h == nil {
		r.challenge(req, tx, false)
		return
	}
	p := parseDigest(h.Value())
	if !r.fresh(p["nonce"]) {
		r.challenge(req, tx, true)
		return
	}
	r.mu.Lock()
	cred, ok := r.creds[p["username"]]
	r.mu.Unlock()
	to := req.To()
	if !ok || to == nil || to.Address.User != p["username"] || p["realm"] != center.SIPRealm || !digestOK(cred.HA1, req.Method.String(), p) {
		r.log.Info("phone registration refused", "login", p["username"])
		tx.Respond(sipmsg.NewResponseFromRequest(req, sipmsg.StatusForbidden, "Forbidden", nil))
		return
	}
	expires := defaultExpires
	if e := req.GetHeader("Expires"); e != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(e.Value())); err == nil && n >= 0 {
			expires = time.Duration(n) * time.Second
		}
	}
	contact := req.Contact()
	if contact != nil {
		if v, ok := contact.Params.Get("expires"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				expires = time.Duration(n) * time.Second
			}
		}
	}
	ctx := context.Background()
	res := sipmsg.NewResponseFromRequest(req, sipmsg.StatusOK, "OK", nil)
	if contact == nil || expires == 0 || contact.Address.Wildcard {
		r.unbind(ctx, cred.UserID)
		tx.Respond(res)
		return
	}
	expires = min(max(expires, minExpires), maxExpires)
	uri := contact.Address.String()
	r.bind(ctx, cred.UserID, uri, expires)
	c := contact.Clone()
	c.Params.Add("expires", strconv.Itoa(int(expires/time.Second)))
	res.AppendHeader(c)
	tx.Respond(res)
}

func (r *registrar) bind(ctx context.Context, userID, contact string, expires time.Duration) {
	r.mu.Lock()
	b := r.bindings[userID]
	isNew := b == nil
	if isNew {
		b = &binding{}
		r.bindings[userID] = b
	} else {
		b.timer.Stop()
	}
	b.contact, b.expires = contact, r.now().Add(expires)
	b.timer = time.AfterFunc(expires, func() { r.lapse(userID, b) })
	r.mu.Unlock()
	if isNew {
		if err := r.center.Connect(ctx, userID); err != nil {
			r.log.Warn("phone presence", "agent", userID, "err", err)
		}
		r.log.Info("phone registered", "agent", userID, "contact", contact, "expires", expires)
	}
}

func (r *registrar) unbind(ctx context.Context, userID string) {
	r.mu.Lock()
	b := r.bindings[userID]
	if b != nil {
		b.timer.Stop()
		delete(r.bindings, userID)
	}
	r.mu.Unlock()
	if b != nil {
		r.log.Info("phone unregistered", "agent", userID)
		if err := r.center.Disconnect(ctx, userID); err != nil {
			r.log.Warn("phone presence", "agent", userID, "err", err)
		}
	}
}

// lapse drops a registration the phone did not refresh.
func (r *registrar) lapse(userID string, b *binding) {
	r.mu.Lock()
	cur := r.bindings[userID]
	r.mu.Unlock()
	if cur == b {
		r.log.Info("phone registration lapsed", "agent", userID)
		r.unbind(context.Background(), userID)
	}
}

// close drops every registration, so presence does not outlive the node.
func (r *registrar) close() {
	r.mu.Lock()
	ids := make([]string, 0, len(r.bindings))
	for id := range r.bindings {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	for _, id := range ids {
		r.unbind(context.Background(), id)
	}
}

// digestOK checks an RFC 2617 digest response (MD5, with or without qop=auth).
func digestOK(ha1, method string, p map[string]string) bool {
	if a := p["algorithm"]; a != "" && !strings.EqualFold(a, "MD5") {
		return false
	}
	ha2 := md5hex(method + ":" + p["uri"])
	var want string
	switch p["qop"] {
	case "auth":
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
	case "":
		want = md5hex(ha1 + ":" + p["nonce"] + ":" + ha2)
	default:
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(p["response"]))) == 1
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parseDigest reads the parameters of a Digest Authorization header.
func parseDigest(v string) map[string]string {
	out := map[string]string{}
	v = strings.TrimSpace(v)
	if len(v) < 7 || !strings.EqualFold(v[:7], "digest ") {
		return out
	}
	v = v[7:]
	for len(v) > 0 {
		v = strings.TrimLeft(v, " ,\t")
		k, rest, ok := strings.Cut(v, "=")
		if !ok {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		rest = strings.TrimLeft(rest, " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				break
			}
			val, v = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, v = strings.TrimSpace(rest[:end]), rest[end:]
		}
		out[k] = val
	}
	return out
}
