package http

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestAcceptWSKeepsEarlyFrames sends the handshake and a first frame in one
// write: the frame sits in net/http's buffer when the connection is
// hijacked, and the smaller buffers must carry it over.
func TestAcceptWSKeepsEarlyFrames(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := acceptWS(w, r)
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		typ, data, err := c.Read(ctx)
		if err != nil {
			t.Errorf("read: %v", err)
			return
		}
		// A reply larger than the write buffer takes the direct path.
		if err := c.Write(ctx, typ, []byte(strings.Repeat(string(data), 1+2*wsWriteBuffer/len(data)))); err != nil {
			t.Errorf("write: %v", err)
		}
		c.Close(websocket.StatusNormalClosure, "")
	}))
	defer hs.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	payload := []byte("안녕하세요")
	mask := [4]byte{1, 2, 3, 4}
	frame := []byte{0x81, 0x80 | byte(len(payload)), mask[0], mask[1], mask[2], mask[3]}
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	req := "GET / HTTP/1.1\r\nHost: " + conn.RemoteAddr().String() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: %d", resp.StatusCode)
	}
	head := make([]byte, 4)
	if _, err := io.ReadFull(br, head); err != nil {
		t.Fatal(err)
	}
	if head[0] != 0x81 || head[1] != 126 {
		t.Fatalf("reply header % x, want a text frame with a 16-bit length", head)
	}
	n := int(head[2])<<8 | int(head[3])
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat(string(payload), 1+2*wsWriteBuffer/len(payload)); string(body) != want {
		t.Fatalf("echo of %d bytes differs from the %d sent", len(body), len(want))
	}
}
