package kubelet

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"time"
)

// The kubelet's API, as far as the API server uses it for `kubectl logs`:
// GET /containerLogs/NAMESPACE/POD/CONTAINER (follow, tailLines,
// limitBytes), over TLS with a self-signed certificate (the API server
// verifies kubelets only when given their CA). Each node serves on its own
// loopback address; the node reports that address (ExternalIP) and the
// port, and the sandbox's API server prefers that address type.

// DefaultKubeletPort is the kubelet's usual port.
const DefaultKubeletPort = 10250

// serveAPI starts one HTTPS server per node; they stop when ctx ends.
func (k *Kubelet) serveAPI(ctx context.Context) error {
	if k.opts.KubeletPort < 0 {
		return nil
	}
	cert, err := selfSigned()
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.serveLogs)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	for _, n := range k.opts.Nodes {
		addr := net.JoinHostPort(k.loopback(n.IP), strconv.Itoa(k.kubeletPort()))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("kubelet API of %s on %s: %w", n.Name, addr, err)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}}
		go func() { _ = srv.ServeTLS(l, "", "") }()
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
	}
	return nil
}

func (k *Kubelet) kubeletPort() int {
	if k.opts.KubeletPort == 0 {
		return DefaultKubeletPort
	}
	return k.opts.KubeletPort
}

// serveLogs writes a container's log. Pods the kubelet runs as HTTP
// servers have an empty log.
func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("namespace") + "/" + r.PathValue("pod")
	k.mu.Lock()
	lb := k.logs[key]
	_, known := k.running[key]
	k.mu.Unlock()
	if lb == nil && !known {
		http.Error(w, fmt.Sprintf("pod %s is not running on this node", key), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	follow := q.Get("follow") == "true"
	tail, _ := strconv.Atoi(q.Get("tailLines"))
	limit, _ := strconv.Atoi(q.Get("limitBytes"))
	w.Header().Set("Content-Type", "text/plain")
	if lb == nil {
		return
	}
	data, closed, grew := lb.snapshot()
	if tail > 0 {
		data = lastLines(data, tail)
	}
	written := 0
	write := func(b []byte) bool {
		if limit > 0 && written+len(b) > limit {
			b = b[:limit-written]
		}
		n, err := w.Write(b)
		written += n
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return err == nil && (limit == 0 || written < limit)
	}
	if !write(data) || !follow {
		return
	}
	sent := len(data)
	if tail > 0 {
		full, _, _ := lb.snapshot()
		sent = len(full)
	}
	for !closed {
		select {
		case <-r.Context().Done():
			return
		case <-grew:
		}
		var full []byte
		full, closed, grew = lb.snapshot()
		if len(full) < sent { // rotated: start over from what is left
			sent = 0
		}
		if !write(full[sent:]) {
			return
		}
		sent = len(full)
	}
}

func lastLines(b []byte, n int) []byte {
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, nil)
}

// selfSigned makes the kubelets' serving certificate.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "lbctl-sandbox-kubelet"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * 365 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if der == nil {
		return tls.Certificate{}, errors.New("empty certificate")
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
