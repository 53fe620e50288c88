package llmtest

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// memHost is the host name of a server started by NewInMemory; it resolves
// nowhere, so a client that is not given Transport fails at once.
const memHost = "llmtest.invalid"

// NewInMemory starts a fake server with no socket: it answers only through
// Transport, over in-memory connections (net.Pipe). Started inside a
// testing/synctest bubble, every wait of the server, of the client and of
// the connections between them is one the bubble's fake clock sees, so
// latency, hangs, Retry-After, attempt timeouts and deadlines take no wall
// time and no load on the machine can trip them.
func NewInMemory(apiKey string) *Server {
	s := newServer(apiKey)
	s.startMemory()
	return s
}

// memListener hands the server side of each dialled pipe to http.Server.
type memListener struct {
	dials     atomic.Int64
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr{} }

func (l *memListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	l.dials.Add(1)
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return nil, net.ErrClosed
}

type memAddr struct{}

func (memAddr) Network() string { return "pipe" }
func (memAddr) String() string  { return memHost }

// startMemory serves the handler on in-memory connections.
func (s *Server) startMemory() {
	l := &memListener{conns: make(chan net.Conn), closed: make(chan struct{})}
	s.memListener = l
	s.mem = &http.Server{Handler: s.mux}
	s.memTransport = &http.Transport{DialContext: l.dial, MaxIdleConnsPerHost: 64, ForceAttemptHTTP2: false}
	done := make(chan struct{})
	s.memDone = done
	go func() {
		defer close(done)
		_ = s.mem.Serve(l)
	}()
}

// Transport is the HTTP transport to give the client under test (for
// example llm.Config.Transport) for a server started by NewInMemory; nil
// for one started by New, which is reached over the network at BaseURL.
func (s *Server) Transport() http.RoundTripper {
	if s.memTransport == nil {
		return nil
	}
	return s.memTransport
}

// Connections is how many connections clients opened to a server started by
// NewInMemory.
func (s *Server) Connections() int {
	if s.memListener == nil {
		return 0
	}
	return int(s.memListener.dials.Load())
}

// Dial opens an in-memory connection to a server started by NewInMemory,
// for a client that builds its own transport (llm.Config.Dial).
func (s *Server) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.memListener.dial(ctx, network, addr)
}
