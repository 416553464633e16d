package http

import (
	"context"
	"sync"
	"time"

	"github.com/minwon/minwon"
)

// sessionCacheTTL bounds how long a cached session is trusted without
// reading the store again: the session.ended event of a logout on another
// node removes it at once, and should that event ever be missed this is the
// longest the old cookie keeps working here.
const sessionCacheTTL = time.Minute

// maxCachedSessions bounds the cache; a center has a few thousand staff.
const maxCachedSessions = 50000

// sessionCache keeps the sessions this node has read, so an API request
// costs no store read. Entries leave on session.ended (from any node, via
// the bus), on logout here at once, and after sessionCacheTTL.
type sessionCache struct {
	now   func() time.Time
	store minwon.Store
	mu    sync.Mutex
	m     map[string]cachedSession
}

type cachedSession struct {
	s      *minwon.Session
	readAt time.Time
}

func newSessionCache(store minwon.Store) *sessionCache {
	return &sessionCache{now: time.Now, store: store, m: map[string]cachedSession{}}
}

// get returns the live session of tokenHash, from the cache when it was
// read less than sessionCacheTTL ago; ENOTFOUND when absent or ended.
func (c *sessionCache) get(ctx context.Context, tokenHash string) (*minwon.Session, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[tokenHash]
	c.mu.Unlock()
	if ok && now.Sub(e.readAt) < sessionCacheTTL {
		return e.s, nil
	}
	s, err := c.store.Session(ctx, tokenHash)
	if err != nil {
		c.forget(tokenHash)
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedSessions {
		clear(c.m)
	}
	c.m[tokenHash] = cachedSession{s: s, readAt: now}
	c.mu.Unlock()
	return s, nil
}

// forget drops a session that has ended.
func (c *sessionCache) forget(tokenHash string) {
	c.mu.Lock()
	delete(c.m, tokenHash)
	c.mu.Unlock()
}
