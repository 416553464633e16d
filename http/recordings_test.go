package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zaf/g711"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/demo"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/internal/pgtest"
	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sqldb"
)

// serveWithRecordings is mustServe with call recording on.
func serveWithRecordings(t *testing.T, dsn string, rc center.RecordingConfig) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.OpenMigrated(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := demo.Seed(ctx, db, time.Now()); err != nil {
		t.Fatal(err)
	}
	bus := inmem.NewBus()
	c := center.New(center.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), ACW: time.Millisecond, TickEvery: 20 * time.Millisecond, Recording: rc}, db, bus, nil)
	if err := c.Start(ctx, true); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	b := board.New(board.Config{Now: c.Now, Location: c.Location()})
	srv := mwhttp.NewServer(mwhttp.Config{LoginsPerIP: 1000}, c, db, bus, b, new(kb.Index), nil, nil)
	srv.MarkReady()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, srv: srv, center: c, store: db}
}

// sealTestCall writes a short sealed recording of a tone into dir.
func sealTestCall(t *testing.T, dir, name string, keys *recording.Keyring) recording.Summary {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, err := recording.NewCall(f, keys, recording.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	payload := make([]byte, 160)
	for i := range 150 { // 3 s
		for j := range payload {
			n := i*160 + j
			payload[j] = g711.EncodeUlawFrame(int16(6000 * math.Sin(2*math.Pi*800*float64(n)/8000)))
		}
		at := start.Add(time.Duration(i) * 20 * time.Millisecond)
		for _, side := range []recording.Side{recording.Citizen, recording.Counselor} {
			if err := rc.Write(side, recording.Packet{PayloadType: recording.PayloadPCMU, Timestamp: uint32(i * 160), Arrival: at, Payload: payload}); err != nil {
				t.Fatal(err)
			}
		}
	}
	sum, err := rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestRecordingPlayback(t *testing.T) {
	keys, err := recording.ParseKeyring("k1:" + hex.EncodeToString(bytes.Repeat([]byte{3}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "minwon.db") },
		"postgres": func(t *testing.T) string { return pgtest.DSN(t) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			e := serveWithRecordings(t, dsn(t), center.RecordingConfig{Dir: dir, Keys: keys})
			ctx := context.Background()
			kim := e.login("counselor01")
			ct := e.acceptedCall(kim)
			r1 := minwon.NewID()
			sum := sealTestCall(t, dir, "20261202/r1.mwr", keys)
			rec := &minwon.Recording{ID: r1, TenantID: demo.TenantID, ContactID: ct.ID, File: "20261202/r1.mwr", KeyID: sum.KeyID, Started: time.Now().Add(-3 * time.Second)}
			if err := e.center.RecordingStarted(ctx, rec); err != nil {
				t.Fatal(err)
			}
			// Not playable until it is sealed and stored.
			sup := e.login("supervisor01")
			if code := sup.do("GET", "/api/recordings/"+r1+"/audio", nil, nil); code != http.StatusNotFound {
				t.Fatalf("unsealed recording: %d, want 404", code)
			}
			rec.SHA256, rec.Size, rec.DurationMS, rec.Ended = sum.SHA256, sum.Size, sum.Duration.Milliseconds(), time.Now()
			if err := e.center.RecordingStored(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if err := e.center.RecordingStored(ctx, rec); minwon.ErrorCode(err) != minwon.ECONFLICT {
				t.Fatalf("a second recording.stored: %v, want conflict", err)
			}
			if _, err := e.center.SaveUser(ctx, "", minwon.User{ID: "water-sup", TenantID: demo.TenantWater, Login: "water-sup", Name: "물관리", Roles: []minwon.Role{minwon.RoleSupervisor}}, "password123"); err != nil {
				t.Fatal(err)
			}
			lee := e.login("counselor02")
			played := func() []minwon.RecordingPlayed {
				evs, err := e.store.Events(ctx, minwon.EventFilter{ContactID: ct.ID, Types: []minwon.EventType{minwon.EventRecordingPlayed}})
				if err != nil {
					t.Fatal(err)
				}
				var out []minwon.RecordingPlayed
				for _, ev := range evs {
					var p minwon.RecordingPlayed
					ev.Decode(&p)
					if ev.ActorID == "" || p.RecordingID != r1 {
						t.Fatalf("played event %+v", ev)
					}
					out = append(out, p)
				}
				return out
			}

			t.Run("List", func(t *testing.T) {
				for _, who := range []*staff{kim, sup} {
					var recs []minwon.Recording
					if code := who.do("GET", "/api/contacts/"+ct.ID+"/recordings", nil, &recs); code != 200 || len(recs) != 1 || recs[0].SHA256 != sum.SHA256 || recs[0].Size != sum.Size {
						t.Fatalf("%s lists %d %+v", who.id, code, recs)
					}
				}
				if code := lee.do("GET", "/api/contacts/"+ct.ID+"/recordings", nil, nil); code != http.StatusForbidden {
					t.Fatalf("another counselor lists: %d, want 403", code)
				}
			})
			t.Run("Roles", func(t *testing.T) {
				if code := lee.do("GET", "/api/recordings/"+r1+"/audio", nil, nil); code != http.StatusForbidden {
					t.Fatalf("another counselor plays: %d, want 403", code)
				}
				jar, _ := cookiejar.New(nil)
				water := &staff{e: e, c: &http.Client{Jar: jar}}
				var me struct{ CSRF string }
				if code := water.do("POST", "/api/login", map[string]string{"login": "water-sup", "password": "password123"}, &me); code != 200 {
					t.Fatalf("login: %d", code)
				}
				if code := water.do("GET", "/api/recordings/"+r1+"/audio", nil, nil); code != http.StatusNotFound {
					t.Fatalf("another tenant's supervisor plays: %d, want 404", code)
				}
				if code := sup.do("GET", "/api/recordings/nope/audio", nil, nil); code != http.StatusNotFound {
					t.Fatalf("unknown recording: %d, want 404", code)
				}
				if n := len(played()); n != 0 {
					t.Fatalf("%d playbacks audited for refused requests", n)
				}
			})
			var whole []byte
			t.Run("WholeFileMatchesItsSHA256", func(t *testing.T) {
				resp, err := kim.c.Get(e.url + "/api/recordings/" + r1 + "/audio")
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				whole, _ = io.ReadAll(resp.Body)
				h := sha256.Sum256(whole)
				if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || hex.EncodeToString(h[:]) != sum.SHA256 {
					t.Fatalf("%d %s %d bytes sha %x", resp.StatusCode, resp.Header.Get("Content-Type"), len(whole), h)
				}
				if p := played(); len(p) != 1 || p[0].Range != "" {
					t.Fatalf("audit %+v", p)
				}
			})
			t.Run("RangeIsAuditedBeforeBytes", func(t *testing.T) {
				req, _ := http.NewRequest("GET", e.url+"/api/recordings/"+r1+"/audio", nil)
				req.Header.Set("Range", "bytes=1000-1999")
				resp, err := sup.c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				// The headers are here, the body not read yet: the audit
				// entry must already be stored.
				if p := played(); len(p) != 2 || p[1].Range != "bytes=1000-1999" {
					t.Fatalf("audit when the headers arrived: %+v", p)
				}
				part, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[1000:2000]) {
					t.Fatalf("range: %d, %d bytes, equal %v", resp.StatusCode, len(part), bytes.Equal(part, whole[1000:2000]))
				}
			})
			t.Run("TamperedFileIsAnError", func(t *testing.T) {
				path := filepath.Join(dir, "20261202/r1.mwr")
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				b[len(b)/2] ^= 0x01
				if err := os.WriteFile(path, b, 0o600); err != nil {
					t.Fatal(err)
				}
				resp, err := sup.c.Get(e.url + "/api/recordings/" + r1 + "/audio")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Type") == "audio/wav" || bytes.HasPrefix(body, []byte("RIFF")) {
					t.Fatalf("tampered: %d %s %.80q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
				}
			})
		})
	}
}
