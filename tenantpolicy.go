package minwon

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Secret is key material that must never be shown: it prints, logs and
// marshals as a placeholder. The caller-identity salt of a tenant is one.
type Secret []byte

func (Secret) String() string               { return "[secret]" }
func (Secret) GoString() string             { return "[secret]" }
func (Secret) LogValue() slog.Value         { return slog.StringValue("[secret]") }
func (Secret) MarshalJSON() ([]byte, error) { return []byte(`"[secret]"`), nil }
func (Secret) Format(f fmt.State, _ rune)   { f.Write([]byte("[secret]")) }

// NewSalt returns a fresh random caller-identity salt.
func NewSalt() Secret {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("minwon: no randomness: " + err.Error())
	}
	return b
}

// TenantSalt is the payload of tenant.salt: a tenant's caller-identity salt,
// hex encoded. The first one stored for a tenant is kept; the event is
// redacted wherever events are shown.
type TenantSalt struct {
	Salt string `json:"salt"`
}

// EncodeSalt returns the payload for salt s.
func EncodeSalt(s Secret) TenantSalt { return TenantSalt{Salt: hex.EncodeToString(s)} }

// Decode returns the salt of a tenant.salt payload.
func (p TenantSalt) Decode() (Secret, error) {
	b, err := hex.DecodeString(p.Salt)
	if err != nil || len(b) < 16 {
		return nil, Errorf(EINVALID, "a tenant salt is at least 16 bytes, hex encoded")
	}
	return b, nil
}

// PolicyUpdated is the payload of policy.updated: a tenant's whole
// counselor-protection policy (guard/policy.Config as JSON), already
// validated. An empty Config removes the tenant's own policy, so it follows
// its parent's or the defaults again. ActorID names who changed it.
type PolicyUpdated struct {
	Config json.RawMessage `json:"config,omitempty"`
}

// TenantPolicy is a tenant's own protection policy as stored, with who
// changed it last.
type TenantPolicy struct {
	Config    json.RawMessage `json:"config"`
	UpdatedBy string          `json:"updated_by,omitempty"`
	UpdatedAt time.Time       `json:"updated_at"`
}

// RegisterForgotten is the payload of caller.forgotten: the daily run that
// drops from the caller register what no strike window or detector looks at
// any more, everything older than Before. Due is the scheduled run it was.
type RegisterForgotten struct {
	Due    time.Time `json:"due"`
	Before time.Time `json:"before"`
}
