package dataplane

import "sync"

// bufferPool recycles the 32 KiB copy buffers ReverseProxy would otherwise
// allocate for every response body.
type bufferPool struct{ p sync.Pool }

func newBufferPool() *bufferPool {
	return &bufferPool{p: sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}}
}

func (b *bufferPool) Get() []byte { return *(b.p.Get().(*[]byte)) }

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }
