package sip

import (
	"testing"
	"time"
)

// The worked example of RFC 2617, section 3.5.
func TestDigestRFC2617(t *testing.T) {
	p := parseDigest(`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if p["username"] != "Mufasa" || p["qop"] != "auth" || p["nc"] != "00000001" || p["uri"] != "/dir/index.html" {
		t.Fatalf("parsed %v", p)
	}
	ha1 := md5hex("Mufasa:testrealm@host.com:Circle Of Life")
	if !digestOK(ha1, "GET", p) {
		t.Fatal("the RFC's own response is refused")
	}
	for name, mut := range map[string]func(map[string]string){
		"WrongMethod":   func(m map[string]string) { m["uri"] = "/other" },
		"WrongResponse": func(m map[string]string) { m["response"] = "6629fae49393a05397450978507c4ef2" },
		"OtherNonce":    func(m map[string]string) { m["nonce"] = "x" },
		"UnknownQop":    func(m map[string]string) { m["qop"] = "auth-int" },
		"SHA256":        func(m map[string]string) { m["algorithm"] = "SHA-256" },
	} {
		q := map[string]string{}
		for k, v := range p {
			q[k] = v
		}
		mut(q)
		if digestOK(ha1, "GET", q) {
			t.Errorf("%s accepted", name)
		}
	}
	if len(parseDigest(`Basic dXNlcjpwYXNz`)) != 0 {
		t.Error("a Basic header parsed as digest")
	}
	if u := parseDigest(`Digest username="unterminated`)["username"]; u != "" {
		t.Errorf("an unterminated quote parsed as %q", u)
	}
}

func TestNonce(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	r := newRegistrar(nil, nil, func() time.Time { return now })
	n := r.nonce()
	if !r.fresh(n) {
		t.Fatal("a new nonce is stale")
	}
	now = now.Add(nonceLifetime + time.Second)
	if r.fresh(n) {
		t.Fatal("an old nonce is fresh")
	}
	other := newRegistrar(nil, nil, func() time.Time { return now })
	if other.fresh(r.nonce()) || r.fresh("1234.abcd") || r.fresh("") {
		t.Fatal("a nonce not signed by this registrar is accepted")
	}
}
