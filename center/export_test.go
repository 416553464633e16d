package center

// CallerStrikes returns how many strikes the caller register holds for a
// caller, so tests can see what forgetting kept.
func (c *Center) CallerStrikes(callerID string) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.prot == nil {
		return 0
	}
	if cl := c.prot.reg.Caller(callerID); cl != nil {
		return len(cl.Strikes)
	}
	return 0
}
