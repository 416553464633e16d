package acd

// heap is a binary min-heap whose items remember their own position, so that
// an item whose key changed can be fixed or removed in O(log n) instead of
// being left behind as a stale entry (no lazy invalidation, no compaction,
// and NextDeadline can trust the top).
type heap[T comparable] struct {
	s    []T
	less func(a, b T) bool
	pos  func(T) *int // the item's index field; -1 while outside the heap
}

func (h *heap[T]) len() int { return len(h.s) }

func (h *heap[T]) top() T { return h.s[0] }

func (h *heap[T]) push(x T) {
	*h.pos(x) = len(h.s)
	h.s = append(h.s, x)
	h.up(len(h.s) - 1)
}

// remove takes out the item at index i.
func (h *heap[T]) remove(i int) T {
	n := len(h.s) - 1
	x := h.s[i]
	if i != n {
		h.swap(i, n)
	}
	var zero T
	h.s[n] = zero // drop the reference for the garbage collector
	h.s = h.s[:n]
	*h.pos(x) = -1
	if i != n {
		h.fix(i)
	}
	return x
}

// fix restores the order after the key of the item at index i changed; it
// costs two comparisons when the key did not move the item.
func (h *heap[T]) fix(i int) {
	if !h.down(i) {
		h.up(i)
	}
}

func (h *heap[T]) swap(i, j int) {
	h.s[i], h.s[j] = h.s[j], h.s[i]
	*h.pos(h.s[i]) = i
	*h.pos(h.s[j]) = j
}

func (h *heap[T]) up(j int) {
	for j > 0 {
		i := (j - 1) / 2
		if !h.less(h.s[j], h.s[i]) {
			break
		}
		h.swap(i, j)
		j = i
	}
}

func (h *heap[T]) down(i0 int) bool {
	i, n := i0, len(h.s)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(h.s[r], h.s[l]) {
			j = r
		}
		if !h.less(h.s[j], h.s[i]) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}
