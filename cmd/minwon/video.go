package main

import (
	"context"
	"flag"
	"log/slog"
	"net"
	"os"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/center"
	"github.com/minwon/minwon/video"
)

// videoConfig is the sign-language video channel's part of Config.
type videoConfig struct {
	On            bool
	Max           int
	ICE           string // comma-separated STUN/TURN URLs
	ICEUsername   string
	ICECredential string
	Ports         string // "min-max" UDP ports, "" any
}

// videoFlags declares the video flags on fset.
func videoFlags(fset *flag.FlagSet, v *videoConfig) {
	v.On = true
	v.ICECredential = os.Getenv("MINWON_VIDEO_ICE_CREDENTIAL")
	fset.BoolVar(&v.On, "video", v.On, "relay sign-language video contacts (WebRTC through the server); --video=false turns the /video page's calls away with 503")
	fset.IntVar(&v.Max, "video-max", 0, "concurrent video contacts at which new ones are refused (0: the default, 20)")
	fset.StringVar(&v.ICE, "video-ice", "", "STUN/TURN URLs the server gathers candidates from, comma-separated (default none: host candidates)")
	fset.StringVar(&v.ICEUsername, "video-ice-username", "", "username for turn: URLs in --video-ice")
	fset.StringVar(&v.ICECredential, "video-ice-credential", v.ICECredential, "credential for turn: URLs (prefer env MINWON_VIDEO_ICE_CREDENTIAL: flags show in ps)")
	fset.StringVar(&v.Ports, "video-ports", "", "UDP port range for video media, MIN-MAX (default any)")
}

// relayConfig turns the flags into the relay's settings.
func (cfg Config) relayConfig() (video.Config, error) {
	v := cfg.Video
	vc := video.DefaultConfig()
	if v.Max > 0 {
		vc.MaxSessions = v.Max
	}
	vc.ICEServers = splitList(v.ICE)
	vc.ICEUsername, vc.ICECredential = v.ICEUsername, v.ICECredential
	if v.Ports != "" {
		var err error
		if vc.PortMin, vc.PortMax, err = portRange(v.Ports); err != nil {
			return vc, minwon.Errorf(minwon.EINVALID, "--video-ports: %v", err)
		}
	}
	// A server that listens on loopback only serves browsers on this
	// machine; they reach it over 127.0.0.1, which pion leaves out otherwise.
	if host, _, err := net.SplitHostPort(cfg.HTTP); err == nil {
		ip := net.ParseIP(host)
		vc.Loopback = host == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return vc, nil
}

// startVideo builds the relay, records its legs as contact events and ends
// a contact's media when the contact ends. nil when video is off.
func startVideo(cfg Config, c *center.Center, bus minwon.Bus, log *slog.Logger) (*video.Relay, func(), error) {
	if !cfg.Video.On {
		return nil, func() {}, nil
	}
	vc, err := cfg.relayConfig()
	if err != nil {
		return nil, nil, err
	}
	vc.Log, vc.Now = log, c.Now
	vc.OnLeg = func(ev video.LegEvent) {
		leg := minwon.VideoLeg{Side: ev.Side, Reason: ev.Reason, Seconds: center.VideoSeconds(ev.Connected)}
		if err := c.RecordVideo(context.Background(), ev.ContactID, ev.Up, leg); err != nil {
			log.Warn("record video leg", "contact", ev.ContactID, "side", ev.Side, "err", err)
		}
	}
	r, err := video.New(vc)
	if err != nil {
		return nil, nil, err
	}
	unsub := r.Follow(bus)
	return r, func() { unsub(); r.Close() }, nil
}
