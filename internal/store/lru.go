package store

import (
	"container/list"
	"sync"
)

// LRU is an in-process least-recently-used set of values bounded by their
// approximate size: what the process serves often is kept ready (decoded
// runbooks, Memory's bytes). It is safe for concurrent use.
type LRU[V any] struct {
	mu       sync.Mutex
	maxBytes int
	size     int
	ll       *list.List
	items    map[string]*list.Element
}

type object[V any] struct {
	key  string
	v    V
	size int
}

// NewLRU keeps at most maxBytes of values.
func NewLRU[V any](maxBytes int) *LRU[V] {
	return &LRU[V]{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

// Get returns key's value and marks it recently used.
func (o *LRU[V]) Get(key string) (V, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	el, ok := o.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	o.ll.MoveToFront(el)
	return el.Value.(*object[V]).v, true
}

// Put keeps v (replacing the key's value and size); a value larger than the
// bound is not kept.
func (o *LRU[V]) Put(key string, v V, size int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if el, ok := o.items[key]; ok {
		o.remove(el)
	}
	if size > o.maxBytes {
		return
	}
	o.items[key] = o.ll.PushFront(&object[V]{key: key, v: v, size: size})
	o.size += size
	for o.size > o.maxBytes {
		o.remove(o.ll.Back())
	}
}

func (o *LRU[V]) remove(el *list.Element) {
	e := el.Value.(*object[V])
	o.ll.Remove(el)
	delete(o.items, e.key)
	o.size -= e.size
}

// Delete forgets key.
func (o *LRU[V]) Delete(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if el, ok := o.items[key]; ok {
		o.remove(el)
	}
}

// Len is how many values are kept.
func (o *LRU[V]) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ll.Len()
}

// Bytes is the size of the values kept.
func (o *LRU[V]) Bytes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.size
}
