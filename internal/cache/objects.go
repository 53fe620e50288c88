package cache

import (
	"container/list"
	"sync"
)

// objects is an in-process LRU of decoded values, bounded by their
// approximate size: what the process serves often is kept ready to write,
// checked once when it entered.
type objects[V any] struct {
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

func newObjects[V any](maxBytes int) *objects[V] {
	return &objects[V]{maxBytes: maxBytes, ll: list.New(), items: map[string]*list.Element{}}
}

func (o *objects[V]) get(key string) (V, bool) {
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

// put keeps v (replacing the key's value and size); a value larger than the
// bound is not kept.
func (o *objects[V]) put(key string, v V, size int) {
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

func (o *objects[V]) remove(el *list.Element) {
	e := el.Value.(*object[V])
	o.ll.Remove(el)
	delete(o.items, e.key)
	o.size -= e.size
}

func (o *objects[V]) delete(key string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if el, ok := o.items[key]; ok {
		o.remove(el)
	}
}

func (o *objects[V]) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ll.Len()
}

func (o *objects[V]) bytes() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.size
}
