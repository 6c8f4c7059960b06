package phones

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"io"
	"sync"
	"time"
)

// rendered is a response body ready to serve to any number of phones.
type rendered struct {
	body        []byte
	contentType string
	etag        string
	modified    time.Time
	status      int

	gzOnce sync.Once
	gz     []byte
}

// gzipped returns the body compressed, computing it once with a writer
// from pool.
func (r *rendered) gzipped(pool *gzipPool) []byte {
	r.gzOnce.Do(func() {
		var b bytes.Buffer
		b.Grow(len(r.body)/4 + 64)
		zw := pool.get(&b)
		zw.Write(r.body)
		zw.Close()
		pool.put(zw)
		r.gz = b.Bytes()
	})
	return r.gz
}

// gzipPool recycles gzip writers: a new one allocates about 1 MiB of
// compressor state, far more than a search page it compresses.
type gzipPool struct{ p sync.Pool }

func (g *gzipPool) get(w io.Writer) *gzip.Writer {
	if zw, ok := g.p.Get().(*gzip.Writer); ok {
		zw.Reset(w)
		return zw
	}
	zw, _ := gzip.NewWriterLevel(w, gzip.BestSpeed) // the level is valid
	return zw
}

func (g *gzipPool) put(zw *gzip.Writer) {
	zw.Reset(io.Discard) // drop the reference to the body's buffer
	g.p.Put(zw)
}

// cost is what a body counts against the byte bound: itself, room for its
// gzip copy (never larger than the body for the XML served) and overhead.
func (r *rendered) cost() int64 { return 2*int64(len(r.body)) + 256 }

// renderCache is a bounded LRU of rendered bodies keyed by vendor format,
// book, generation, query and charset. Old generations age out.
type renderCache struct {
	maxItems int
	maxBytes int64

	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
	bytes int64
}

type cacheEntry struct {
	key  string
	val  *rendered
	cost int64
}

func newRenderCache(items int, bytes int64) *renderCache {
	return &renderCache{maxItems: items, maxBytes: bytes, ll: list.New(), items: map[string]*list.Element{}}
}

func (c *renderCache) get(key string) (*rendered, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cacheEntry).val, true
	}
	return nil, false
}

// put stores v unless it alone exceeds the byte bound.
func (c *renderCache) put(key string, v *rendered) {
	sz := v.cost()
	if sz > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		c.bytes -= e.Value.(*cacheEntry).cost
		e.Value = &cacheEntry{key, v, sz}
		c.ll.MoveToFront(e)
	} else {
		c.items[key] = c.ll.PushFront(&cacheEntry{key, v, sz})
	}
	c.bytes += sz
	for c.ll.Len() > c.maxItems || c.bytes > c.maxBytes {
		e := c.ll.Back()
		if e == nil {
			break
		}
		ce := e.Value.(*cacheEntry)
		c.ll.Remove(e)
		delete(c.items, ce.key)
		c.bytes -= ce.cost
	}
}
