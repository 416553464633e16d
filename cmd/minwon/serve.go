package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/asr"
	"github.com/minwon/minwon/board"
	"github.com/minwon/minwon/bot"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/demo"
	mwhttp "github.com/minwon/minwon/http"
	"github.com/minwon/minwon/inmem"
	"github.com/minwon/minwon/kb"
	"github.com/minwon/minwon/prompts"
	"github.com/minwon/minwon/recording"
	"github.com/minwon/minwon/sip"
	"github.com/minwon/minwon/softphone"
	"github.com/minwon/minwon/sqldb"
	"github.com/minwon/minwon/ui"
)

// Config is everything `minwon serve` needs. DefaultConfig works with no
// input: SQLite under ./data, in-process bus, 127.0.0.1:8120.
type Config struct {
	Data          string
	DB            string
	HTTP          string
	Demo          bool
	Bot           bool          // the self-service bot answers chats of tenants that have it on
	LLM           bot.LLMConfig // optional answer writer for the bot; off when URL is empty
	AdminPassword string
	Secret        string
	HTTPConfig    mwhttp.Config
	Center        center.Config
	// SIP is the phone channel's UDP and TCP address; "" turns it off. When
	// neither --sip nor MINWON_SIP says, --demo listens on 127.0.0.1:5060
	// and a busy port only turns voice off with a warning.
	SIP         string
	SIPExplicit bool
	SIPMaxCalls int
	// Softphone tunes the desk's browser softphone, on whenever SIP is.
	Softphone softphone.Config
	// SIPTrunk is where calls to citizens go out (sip:host:port); "" no calling out.
	SIPTrunk string
	// RecordingKeys is the recording keyring ("id:key,…", the first seals);
	// Recording "off" turns call recording off.
	RecordingKeys string
	Recording     string
	// ASR is the speech recognizer's WebSocket address (Vosk server
	// protocol); calls are transcribed for counselor protection. "" off.
	ASR string
	// Agitation "off" turns the caller-loudness detector off.
	Agitation string
	Video     videoConfig // sign-language video (video.go)
}

// DefaultConfig returns the embedded default.
func DefaultConfig() Config {
	return Config{Data: "data", HTTP: "127.0.0.1:8120", Bot: true, HTTPConfig: mwhttp.DefaultConfig(), Center: center.DefaultConfig(), Softphone: softphone.DefaultConfig()}
}

// configFrom applies environment, then flags, over the defaults.
func configFrom(name string, args []string, stderr io.Writer, serve bool) (Config, error) {
	cfg := DefaultConfig()
	env := func(key string, dst *string) {
		if v := os.Getenv(key); v != "" {
			*dst = v
		}
	}
	env("MINWON_DATA", &cfg.Data)
	env("MINWON_DB", &cfg.DB)
	env("MINWON_HTTP", &cfg.HTTP)
	env("MINWON_SECRET", &cfg.Secret)
	env("MINWON_ADMIN_PASSWORD", &cfg.AdminPassword)
	env("MINWON_RECORDING_KEYS", &cfg.RecordingKeys)
	env("MINWON_ASR", &cfg.ASR)
	env("MINWON_WEBRTC_ICE_USER", &cfg.Softphone.ICEUsername)
	env("MINWON_WEBRTC_ICE_CREDENTIAL", &cfg.Softphone.ICECredential)
	if v, ok := os.LookupEnv("MINWON_SIP"); ok {
		cfg.SIP, cfg.SIPExplicit = v, true
	}
	cfg.LLM = llmFromEnv()
	fset := flag.NewFlagSet(name, flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&cfg.Data, "data", cfg.Data, "directory for the SQLite database and files")
	fset.StringVar(&cfg.DB, "db", cfg.DB, "database URL (postgres://…); default SQLite in --data")
	if serve {
		fset.StringVar(&cfg.HTTP, "http", cfg.HTTP, "HTTP listen address")
		fset.BoolVar(&cfg.Demo, "demo", false, "seed the demo center (한빛시 120) when the store is empty")
		fset.StringVar(&cfg.AdminPassword, "admin-password", cfg.AdminPassword, "password of the first admin, on first start only")
		fset.IntVar(&cfg.HTTPConfig.ChatPerIP, "chat-per-ip", cfg.HTTPConfig.ChatPerIP, "concurrent citizen chats per address")
		fset.IntVar(&cfg.HTTPConfig.ChatStartsPerIP, "chat-starts-per-ip", cfg.HTTPConfig.ChatStartsPerIP, "new citizen chats per address per minute")
		fset.IntVar(&cfg.Center.MaxLive, "max-live", cfg.Center.MaxLive, "live contacts at which new ones are refused (admission control; 0: the default)")
		fset.DurationVar(&cfg.Center.ACW, "acw", cfg.Center.ACW, "after-contact work time (0s: none)")
		fset.Func("forget-at", "local time (HH:MM, Asia/Seoul) at which the caller register forgets what no protection policy window looks at; default 04:00, \"off\" never", func(s string) error {
			d, err := parseForgetAt(s)
			cfg.Center.ForgetAt = d
			return err
		})
		fset.BoolVar(&cfg.HTTPConfig.SecureCookies, "secure-cookies", false, "mark cookies Secure (set when served over HTTPS)")
		fset.StringVar(&cfg.LLM.URL, "llm-url", cfg.LLM.URL, "OpenAI-compatible chat-completions base URL for the bot's generated answers (env MINWON_LLM_URL); off when empty")
		fset.StringVar(&cfg.LLM.Model, "llm-model", cfg.LLM.Model, "model name for --llm-url (env MINWON_LLM_MODEL; key in MINWON_LLM_KEY)")
		fset.StringVar(&cfg.SIP, "sip", cfg.SIP, "SIP address for calls, UDP and TCP (env MINWON_SIP; \"\" off; with --demo default 127.0.0.1:5060)")
		fset.IntVar(&cfg.SIPMaxCalls, "sip-max-calls", cfg.SIPMaxCalls, "concurrent calls at which new ones get 503 (0: the default, 500)")
		fset.Func("webrtc-ice", "STUN/TURN URLs for the desk softphone, comma separated (TURN credentials in env MINWON_WEBRTC_ICE_USER, MINWON_WEBRTC_ICE_CREDENTIAL); default none: host candidates on the LAN", func(v string) error {
			cfg.Softphone.ICEServers = splitList(v)
			return nil
		})
		fset.Func("webrtc-ports", "UDP port range MIN-MAX of the softphone's media (default: any free port)", func(v string) error {
			var err error
			cfg.Softphone.PortMin, cfg.Softphone.PortMax, err = portRange(v)
			return err
		})
		fset.Func("webrtc-public-ip", "addresses the softphone announces instead of the host's, comma separated (a server behind 1:1 NAT)", func(v string) error {
			cfg.Softphone.PublicIPs = splitList(v)
			return nil
		})
		fset.StringVar(&cfg.SIPTrunk, "sip-trunk", cfg.SIPTrunk, "SIP trunk for calls to citizens, e.g. sip:10.0.0.5:5060 (\"\" no calling out); they show the tenant's center number")
		fset.StringVar(&cfg.RecordingKeys, "recording-keys", cfg.RecordingKeys, "call recording keys, id:key[,id:key…] with 32-byte keys in hex or base64, the first sealing new calls (prefer env MINWON_RECORDING_KEYS: flags show in ps)")
		fset.StringVar(&cfg.Recording, "recording", "on", "call recording: on, or off (calls are then not recorded; logged)")
		fset.IntVar(&cfg.Center.Recording.DefaultDays, "recording-days", 0, "days a tenant without its own setting keeps call recordings (0: the default, 90)")
		fset.Func("recording-purge-at", "local time (HH:MM, Asia/Seoul) of the daily recordings retention run; default 03:30, \"off\" never", func(s string) error {
			d, err := parseForgetAt(s)
			cfg.Center.Recording.PurgeAt = d
			return err
		})
		fset.StringVar(&cfg.ASR, "asr", cfg.ASR, "speech recognizer for call transcripts, a Vosk-protocol WebSocket address such as ws://127.0.0.1:2700 (env MINWON_ASR); off when empty")
		fset.StringVar(&cfg.Agitation, "agitation", "on", "detect sustained shouting on callers' audio: on, or off")
		videoFlags(fset, &cfg.Video)
		fset.BoolVar(&cfg.Bot, "bot", cfg.Bot, "let the self-service bot answer web chats first where the tenant has it on (--bot=false: straight to counselors)")
	}
	if err := fset.Parse(args); err != nil {
		return cfg, minwon.Errorf(minwon.EINVALID, "%v", err)
	}
	if fset.NArg() > 0 {
		return cfg, minwon.Errorf(minwon.EINVALID, "unexpected argument %q", fset.Arg(0))
	}
	fset.Visit(func(f *flag.Flag) {
		if f.Name == "sip" {
			cfg.SIPExplicit = true
		}
	})
	if !cfg.SIPExplicit && cfg.Demo {
		cfg.SIP = defaultDemoSIP
	}
	if cfg.Recording != "on" && cfg.Recording != "off" && cfg.Recording != "" {
		return cfg, minwon.Errorf(minwon.EINVALID, "--recording=%s: want on or off", cfg.Recording)
	}
	if cfg.ASR != "" {
		if _, err := asr.New(asr.Config{URL: cfg.ASR}, nil); err != nil {
			return cfg, minwon.Errorf(minwon.EINVALID, "--asr: %v", err)
		}
	}
	if cfg.Agitation != "on" && cfg.Agitation != "off" && cfg.Agitation != "" {
		return cfg, minwon.Errorf(minwon.EINVALID, "--agitation=%s: want on or off", cfg.Agitation)
	}
	if d := cfg.Center.Recording.DefaultDays; d < 0 || d > recording.MaxRetentionDays {
		return cfg, minwon.Errorf(minwon.EINVALID, "--recording-days=%d: want 0 (the default) to %d", d, recording.MaxRetentionDays)
	}
	cfg.HTTPConfig.Addr = cfg.HTTP
	return cfg, nil
}

// parseForgetAt reads a time of day "HH:MM" as the offset from midnight,
// or "off" as never.
func parseForgetAt(s string) (time.Duration, error) {
	if s == "off" {
		return -1, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("want HH:MM or off, got %q", s)
	}
	d := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute
	if d == 0 {
		d = time.Nanosecond // midnight itself; 0 would mean the default
	}
	return d, nil
}

// portRange reads a UDP port range flag, MIN-MAX.
func portRange(v string) (lo, hi uint16, err error) {
	a, b, ok := strings.Cut(v, "-")
	x, err1 := strconv.ParseUint(a, 10, 16)
	y, err2 := strconv.ParseUint(b, 10, 16)
	if !ok || err1 != nil || err2 != nil || x == 0 || x > y {
		return 0, 0, fmt.Errorf("want MIN-MAX, 1 to 65535, got %q", v)
	}
	return uint16(x), uint16(y), nil
}

// splitList splits a comma-separated flag, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// defaultDemoSIP is where the demo center answers calls unless told otherwise.
const defaultDemoSIP = "127.0.0.1:5060"

func (cfg Config) dsn() string {
	if cfg.DB != "" {
		return cfg.DB
	}
	return filepath.Join(cfg.Data, "minwon.db")
}

func openStore(ctx context.Context, cfg Config, log *slog.Logger) (*sqldb.DB, error) {
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
			return nil, minwon.Errorf(minwon.EUNAVAILABLE, "create data directory %s: %v", cfg.Data, err)
		}
	}
	db, err := sqldb.Open(ctx, cfg.dsn(), log)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := configFrom("migrate", args, stderr, false)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg, newLogger(stderr))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is up to date:", redact(cfg.dsn()))
	return db.Close()
}

// redact hides a password in a database URL.
func redact(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if at := strings.LastIndex(dsn, "@"); at > i {
			if c := strings.Index(dsn[i+3:at], ":"); c >= 0 {
				return dsn[:i+3+c+1] + "***" + dsn[at:]
			}
		}
	}
	return dsn
}

// secret returns the key for resume tokens and citizen identities: from the
// environment (needed when several nodes share a database), else a file in
// the data directory created on first start.
func (cfg Config) secret() ([]byte, error) {
	if cfg.Secret != "" {
		if len(cfg.Secret) < 32 {
			return nil, minwon.Errorf(minwon.EINVALID, "MINWON_SECRET must be at least 32 characters")
		}
		return []byte(cfg.Secret), nil
	}
	if cfg.DB != "" {
		return nil, minwon.Errorf(minwon.EINVALID, "with --db set MINWON_SECRET (32+ characters, the same on every node)")
	}
	path := filepath.Join(cfg.Data, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "read %s: %v", path, err)
	}
	b = make([]byte, 32)
	rand.Read(b)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "write %s: %v", path, err)
	}
	return b, nil
}

// recordings returns where call recordings go and the keys that seal them:
// <data>/recordings, with the keys of MINWON_RECORDING_KEYS. A demo without
// keys gets a generated key kept in the data directory; anywhere else voice
// without keys does not start, unless recording is explicitly off.
func (cfg Config) recordings(log *slog.Logger) (center.RecordingConfig, error) {
	rc := cfg.Center.Recording
	rc.Dir = filepath.Join(cfg.Data, "recordings")
	if cfg.Recording == "off" {
		log.Warn("call recording is OFF (--recording=off): calls are not recorded")
		return center.RecordingConfig{}, nil
	}
	keys := cfg.RecordingKeys
	if keys == "" && cfg.Demo {
		path := filepath.Join(cfg.Data, "recording.keys")
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			keys = strings.TrimSpace(string(b))
		case errors.Is(err, fs.ErrNotExist):
			k := make([]byte, 32)
			rand.Read(k)
			keys = "demo:" + hex.EncodeToString(k)
			if err := os.WriteFile(path, []byte(keys+"\n"), 0o600); err != nil {
				return rc, minwon.Errorf(minwon.EUNAVAILABLE, "write %s: %v", path, err)
			}
		default:
			return rc, minwon.Errorf(minwon.EUNAVAILABLE, "read %s: %v", path, err)
		}
		log.Warn("DEMO RECORDING KEY: calls are sealed with a generated key kept next to the recordings; set MINWON_RECORDING_KEYS for real use", "file", path)
	}
	if keys == "" {
		if cfg.SIP != "" {
			return rc, minwon.Errorf(minwon.EINVALID, "voice records every call: set MINWON_RECORDING_KEYS (id:64-hex-digit key; openssl rand -hex 32), or start with --recording=off")
		}
		return rc, nil // no voice here; recordings play where the keys are
	}
	k, err := recording.ParseKeyring(keys)
	if err != nil {
		return rc, err
	}
	if err := os.MkdirAll(rc.Dir, 0o700); err != nil {
		return rc, minwon.Errorf(minwon.EUNAVAILABLE, "create %s: %v", rc.Dir, err)
	}
	rc.Keys = k
	log.Info("call recording on", "dir", rc.Dir, "keys", k)
	return rc, nil
}

// bootstrap fills an empty store: the demo center with --demo, otherwise one
// center with an admin whose password the operator must supply.
func bootstrap(ctx context.Context, cfg Config, store minwon.Store, c *center.Center, stdout io.Writer) error {
	ts, err := store.Tenants(ctx)
	if err != nil || len(ts) > 0 {
		return err
	}
	if cfg.Demo {
		if err := demo.Seed(ctx, store, time.Now()); err != nil {
			return fmt.Errorf("seed demo: %w", err)
		}
		return c.Reload(ctx)
	}
	if cfg.AdminPassword == "" {
		return minwon.Errorf(minwon.EINVALID, "the database is empty: give the first admin's password with --admin-password or MINWON_ADMIN_PASSWORD (or use --demo for the demo center)")
	}
	t, err := c.SaveTenant(ctx, "", minwon.Tenant{ID: "center", Name: "120 center", Kind: minwon.TenantCity, EntryPoints: []string{"center"}})
	if err != nil {
		return err
	}
	_, err = c.SaveUser(ctx, "", minwon.User{ID: "admin", TenantID: t.ID, Login: "admin", Name: "Administrator", Roles: []minwon.Role{minwon.RoleAdmin}}, cfg.AdminPassword)
	if err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	fmt.Fprintln(stdout, "created tenant 'center' and user 'admin'")
	return nil
}

// loadKB returns a search index of the articles published in the store and
// in force now, for commands that answer from the knowledge base without
// running a server (minwon kb ask). The server uses startKB, which follows
// changes.
func loadKB(cfg Config, log *slog.Logger) (*kb.Index, error) {
	ctx := context.Background()
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	feed := kb.NewFeed(new(kb.Index), time.Now)
	if err := feed.Load(ctx, store); err != nil {
		return nil, err
	}
	warnLegacyKB(cfg, log)
	return feed.Index(), nil
}

// startKB builds the server's search index from the store and keeps it in
// step with the bus and the articles' validity windows until ctx ends.
func startKB(ctx context.Context, cfg Config, store *sqldb.DB, bus minwon.Bus, now func() time.Time, log *slog.Logger) (*kb.Index, func(), error) {
	feed := kb.NewFeed(new(kb.Index), now)
	unsub := bus.Subscribe(feed.Apply) // before Load, so no event falls between
	if err := feed.Load(ctx, store); err != nil {
		unsub()
		return nil, nil, err
	}
	log.Info("knowledge base loaded", "articles", feed.Index().Len())
	warnLegacyKB(cfg, log)
	ctx, cancel := context.WithCancel(ctx)
	go feed.Run(ctx, time.Minute)
	return feed.Index(), func() { cancel(); unsub() }, nil
}

// warnLegacyKB points an operator upgrading from a file-based knowledge base
// to the import command: the file is no longer read on its own.
func warnLegacyKB(cfg Config, log *slog.Logger) {
	path := filepath.Join(cfg.Data, "kb.jsonl")
	if _, err := os.Stat(path); err == nil {
		log.Warn("kb.jsonl in the data directory is not read any more; import it once into the store",
			"file", path, "command", "minwon kb import --publish --data "+cfg.Data+" "+path)
	}
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := configFrom("serve", args, stderr, true)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	store, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if cfg.Center.Secret, err = cfg.secret(); err != nil {
		return err
	}
	if cfg.Center.Recording, err = cfg.recordings(log); err != nil {
		return err
	}
	bus := inmem.NewBus()
	c := center.New(cfg.Center, store, bus, log)
	c.SetNoticeVoice(cfg.voice())
	// IVR and configuration changes made on other nodes; before Start, so
	// none falls between.
	defer bus.Subscribe(c.ApplyIVREvent)()
	defer bus.Subscribe(c.ApplyConfigEvent)()
	if err := c.Start(ctx, true); err != nil {
		return err
	}
	defer c.Close()
	if err := c.RecoverRecordings(ctx); err != nil {
		log.Error("recover recordings cut short by a crash", "err", err)
	}
	if err := bootstrap(ctx, cfg, store, c, stdout); err != nil {
		return err
	}
	b := board.New(board.Config{Now: c.Now, Location: c.Location(), QueueStats: queueStats(c)})
	unsub := bus.Subscribe(b.Apply)
	defer unsub()
	if err := b.Load(ctx, store); err != nil {
		return err
	}
	index, stopKB, err := startKB(ctx, cfg, store, bus, c.Now, log)
	if err != nil {
		return err
	}
	defer stopKB()
	dist, err := fs.Sub(ui.Dist, "dist")
	if err != nil {
		return err
	}
	// The bot reads the same index the desk searches.
	if cfg.Bot {
		opts := bot.DefaultOptions()
		if opts.Generator, err = newGenerator(cfg.LLM); err != nil {
			return err
		}
		c.SetBot(bot.New(index, opts))
	}
	srv := mwhttp.NewServer(cfg.HTTPConfig, c, store, bus, b, index, dist, log)
	if err := srv.Listen(); err != nil {
		return err
	}
	relay, stopVideo, err := startVideo(cfg, c, bus, log)
	if err != nil {
		return err
	}
	defer stopVideo()
	if relay != nil {
		srv.SetVideo(relay)
	}
	phone, phones, err := startSIP(ctx, cfg, c, bus, log)
	if err != nil {
		return err
	}
	if phone != nil {
		defer phone.Close()
		srv.SetSoftphones(phones)
		srv.SetDialer(phone)
		if cfg.SIPTrunk != "" {
			// An accepted callback is dialled for the counselor through
			// the trunk; without one they dial it themselves.
			c.SetCallbackDialer(phone)
		}
	}
	base := "http://" + srv.Addr()
	fmt.Fprintf(stdout, "minwon %s serving on %s (store: %s)\n", minwon.Version, base, redact(cfg.dsn()))
	fmt.Fprintf(stdout, "  staff:   %s/\n  citizen: %s/chat/%s\n  video:   %s/video/%s\n  board:   %s/#/board\n  metrics: %s/metrics\n",
		base, base, firstEntry(c), base, firstEntry(c), base, base)
	if phone != nil {
		fmt.Fprintf(stdout, "  phone:   sip:NUMBER@%s (UDP, TCP)\n", phone.Addr())
	}
	if cfg.Demo {
		fmt.Fprint(stdout, demoLogins)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()

	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-sig:
	}
	// First signal: stop taking contacts and let live ones reconnect to
	// another node; a second signal forces exit.
	log.Info("draining; press Ctrl-C again to force exit")
	c.Drain()
	if phone != nil {
		phone.Drain() // new calls get 503; calls in progress go on until shutdown
	}
	go func() {
		<-sig
		log.Warn("forced exit")
		os.Exit(1)
	}()
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if phone != nil {
		phone.Wait(sctx) // then Close hangs up whatever is left
	}
	return err
}

// voice keeps the IVR notices' audio under <data>/prompts/<tenant>/.
func (cfg Config) voice() *prompts.Voice {
	return &prompts.Voice{Dir: filepath.Join(cfg.Data, "prompts")}
}

// startSIP starts the phone channel when configured. An address the
// operator chose must work; the demo's default only warns, so two demo
// nodes on one machine still start.
func startSIP(ctx context.Context, cfg Config, c *center.Center, bus minwon.Bus, log *slog.Logger) (*sip.Server, *softphone.Hub, error) {
	if cfg.SIP == "" {
		return nil, nil, nil
	}
	// The softphone's settings are the operator's: wrong ones stop the start.
	phones, err := softphone.New(cfg.Softphone, log.With("component", "softphone"))
	if err != nil {
		return nil, nil, fmt.Errorf("softphone: %w", err)
	}
	scfg := sip.DefaultConfig()
	scfg.Addr, scfg.MaxCalls, scfg.Trunk = cfg.SIP, cfg.SIPMaxCalls, cfg.SIPTrunk
	scfg.RecordingDir, scfg.RecordingKeys = cfg.Center.Recording.Dir, cfg.Center.Recording.Keys
	scfg.Voice = cfg.voice()
	if cfg.ASR != "" {
		client, err := asr.New(asr.Config{URL: cfg.ASR}, log)
		if err != nil {
			return nil, nil, fmt.Errorf("speech recognizer: %w", err)
		}
		scfg.ASR = client
		log.Info("call transcripts on", "asr", cfg.ASR)
	}
	if cfg.Agitation == "off" {
		scfg.Agitation.Window = 0
	}
	scfg.Softphones = phones
	srv, err := sip.New(scfg, c, bus, log)
	if err == nil {
		err = srv.Start(ctx)
	}
	if err != nil {
		if cfg.SIPExplicit {
			return nil, nil, fmt.Errorf("start SIP: %w", err)
		}
		log.Warn("voice is off: the SIP channel did not start", "addr", cfg.SIP, "err", err)
		return nil, nil, nil
	}
	return srv, phones, nil
}

func queueStats(c *center.Center) func() []board.Queue {
	return func() []board.Queue {
		var out []board.Queue
		for _, q := range c.QueueStats() {
			out = append(out, board.Queue(q))
		}
		return out
	}
}

func firstEntry(c *center.Center) string {
	for _, q := range []string{"hanbit", "center"} {
		if _, ok := c.TenantByEntry(q); ok {
			return q
		}
	}
	return "ENTRY"
}

const demoLogins = `
Demo logins (password for all: minwon120!)
  counselor01 … counselor20   counselors
  supervisor01, supervisor02  supervisors
  admin                       administrator
  dept01, dept02              department officers (주차관리과, 자원순환과)
`
