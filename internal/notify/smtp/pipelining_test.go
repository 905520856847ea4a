package smtp_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-live/onair/internal/notify"
	"github.com/onair-live/onair/internal/notify/smtp"
)

// scriptedServer is an SMTP server that answers each command from a
// script and notes, for each, whether the next one had already arrived
// with it: how a client that pipelines is told from one that does not.
type scriptedServer struct {
	ln         net.Listener
	pipelining bool
	// answer gives the reply to a command line; nil answers the usual.
	answer func(cmd string) string

	mu       sync.Mutex
	commands []string
	batched  []bool // batched[i]: commands[i+1] came in the same read
	messages int
}

func newScriptedServer(t *testing.T, pipelining bool, answer func(string) string) *scriptedServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptedServer{ln: ln, pipelining: pipelining, answer: answer}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { s.serve(c) })
		}
	})
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	return s
}

func (s *scriptedServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *scriptedServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(c), bufio.NewWriter(c)
	reply := func(s string) { w.WriteString(s + "\r\n") }
	reply("220 scripted ESMTP")
	w.Flush()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		if verb == "EHLO" {
			if s.pipelining {
				reply("250-scripted")
				reply("250-PIPELINING")
			} else {
				reply("250-scripted")
			}
			reply("250 8BITMIME")
			w.Flush()
			continue
		}
		s.mu.Lock()
		s.commands = append(s.commands, cmd)
		s.batched = append(s.batched, r.Buffered() > 0)
		s.mu.Unlock()
		var ans string
		if s.answer != nil {
			ans = s.answer(cmd)
		}
		if ans == "" {
			switch verb {
			case "DATA":
				ans = "354 go ahead"
			case "QUIT":
				ans = "221 bye"
			default:
				ans = "250 ok"
			}
		}
		reply(ans)
		// A reply is flushed once the client has nothing more queued,
		// as a pipelining server does (RFC 2920 section 3.2).
		if r.Buffered() == 0 || !s.pipelining {
			w.Flush()
		}
		if verb == "QUIT" {
			w.Flush()
			return
		}
		if verb == "DATA" && strings.HasPrefix(ans, "354") {
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.mu.Lock()
			s.messages++
			s.mu.Unlock()
			reply("250 queued")
			w.Flush()
		}
	}
}

func (s *scriptedServer) seen() (commands []string, batched []bool, messages int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...), append([]bool(nil), s.batched...), s.messages
}

func scriptedProvider(t *testing.T, s *scriptedServer) *smtp.Provider {
	t.Helper()
	p, err := smtp.New(smtp.Config{Host: "127.0.0.1", Port: s.port(), From: "no-reply@onair.example",
		Conns: 1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestPipelining(t *testing.T) {
	t.Run("MAIL, RCPT and DATA go in one write to a server that offers it", func(t *testing.T) {
		s := newScriptedServer(t, true, nil)
		p := scriptedProvider(t, s)
		for range 2 {
			if _, err := p.Send(context.Background(), message()); err != nil {
				t.Fatal(err)
			}
		}
		cmds, batched, n := s.seen()
		want := []string{"MAIL FROM:<no-reply@onair.example> BODY=8BITMIME", "RCPT TO:<viewer@example.com>", "DATA"}
		if n != 2 || len(cmds) != 6 {
			t.Fatalf("%d messages, commands %q", n, cmds)
		}
		for i, c := range cmds {
			if c != want[i%3] {
				t.Errorf("command %d: %q, want %q", i, c, want[i%3])
			}
			if wantBatched := i%3 != 2; batched[i] != wantBatched {
				t.Errorf("command %q: the next one had come with it: %v, want %v", c, batched[i], wantBatched)
			}
		}
	})
	t.Run("one command at a time to a server that does not offer it", func(t *testing.T) {
		s := newScriptedServer(t, false, nil)
		p := scriptedProvider(t, s)
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatal(err)
		}
		cmds, batched, n := s.seen()
		if n != 1 || len(cmds) != 3 {
			t.Fatalf("%d messages, commands %q", n, cmds)
		}
		for i, b := range batched {
			if b {
				t.Errorf("command %q came with the next one", cmds[i])
			}
		}
	})
	t.Run("a DATA accepted after a refused RCPT is ended empty, and the refusal is the RCPT's", func(t *testing.T) {
		refuse := true
		var mu sync.Mutex
		s := newScriptedServer(t, true, func(cmd string) string {
			mu.Lock()
			defer mu.Unlock()
			if refuse && strings.HasPrefix(cmd, "RCPT") {
				refuse = false
				return "550 5.1.1 No such user here"
			}
			if strings.HasPrefix(cmd, "RSET") {
				return "250 reset"
			}
			return ""
		})
		p := scriptedProvider(t, s)
		_, err := p.Send(context.Background(), message())
		var se *notify.SendError
		if !errors.As(err, &se) || !se.Permanent || !se.Suppress || !strings.Contains(err.Error(), "RCPT TO: 550") {
			t.Fatalf("err = %v, want a permanent, suppressing 550 at RCPT TO", err)
		}
		// The empty message the server took after DATA is one, the next
		// send, on the same connection, the other.
		if _, err := p.Send(context.Background(), message()); err != nil {
			t.Fatalf("the next send on the connection: %v", err)
		}
		cmds, _, n := s.seen()
		if n != 2 {
			t.Errorf("%d messages ended, want 2", n)
		}
		if !strings.HasPrefix(cmds[3], "RSET") {
			t.Errorf("commands %q: want a RSET after the refused transaction", cmds)
		}
	})
}

// bothExchanges runs f with a provider that pipelines and with one that
// sends one command at a time: every outcome must be the same.
func bothExchanges(t *testing.T, f func(t *testing.T, exchange func(*smtp.Provider))) {
	for _, on := range []bool{true, false} {
		name := "pipelined"
		if !on {
			name = "one command at a time"
		}
		t.Run(name, func(t *testing.T) {
			f(t, func(p *smtp.Provider) { smtp.SetPipelining(p, on) })
		})
	}
}
