package minwon_test

import (
	"testing"

	"github.com/minwon/minwon"
)

func TestCallerHash(t *testing.T) {
	salt := []byte("tenant-salt")
	same := []struct{ name, a, b string }{
		{"Hyphens", "010-1234-5678", "01012345678"},
		{"Spaces", "010 1234 5678", "01012345678"},
		{"CountryCode", "+82 10-1234-5678", "010-1234-5678"},
		{"CountryCodeWithZero", "+82 (0)10 1234 5678", "01012345678"},
		{"SeoulLandline", "+82-2-120-0000", "021200000"},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			if minwon.CallerHash(salt, "tel", tt.a) != minwon.CallerHash(salt, "tel", tt.b) {
				t.Fatalf("%q and %q hash apart", tt.a, tt.b)
			}
		})
	}
	t.Run("ShortNumbersStay", func(t *testing.T) {
		if minwon.CallerHash(salt, "tel", "120") == minwon.CallerHash(salt, "tel", "0") {
			t.Fatal("120 read as a country code")
		}
	})
	t.Run("ChatAccountsIgnoreCase", func(t *testing.T) {
		if minwon.CallerHash(salt, "chat", "Kim@Example.kr ") != minwon.CallerHash(salt, "chat", "kim@example.kr") {
			t.Fatal("case changes the identity")
		}
	})
	t.Run("SaltSeparatesTenants", func(t *testing.T) {
		if minwon.CallerHash(salt, "tel", "01012345678") == minwon.CallerHash([]byte("other"), "tel", "01012345678") {
			t.Fatal("one hash across tenants")
		}
	})
	t.Run("KindSeparatesAddresses", func(t *testing.T) {
		if minwon.CallerHash(salt, "tel", "01012345678") == minwon.CallerHash(salt, "chat", "01012345678") {
			t.Fatal("a chat account and a phone hash alike")
		}
	})
	t.Run("HidesTheNumber", func(t *testing.T) {
		h := minwon.CallerHash(salt, "tel", "01012345678")
		if len(h) != 64 || h == "01012345678" {
			t.Fatalf("hash %q", h)
		}
	})
}

func TestIncidentTypes(t *testing.T) {
	for _, typ := range minwon.IncidentTypes {
		if !minwon.ValidIncidentType(typ) || typ.Severity() == 0 {
			t.Errorf("%s: valid %v severity %d", typ, minwon.ValidIncidentType(typ), typ.Severity())
		}
	}
	if minwon.ValidIncidentType("rude") {
		t.Error("unknown type valid")
	}
	if minwon.IncidentSexual.Severity() <= minwon.IncidentThreat.Severity() || minwon.IncidentThreat.Severity() <= minwon.IncidentAbuse.Severity() {
		t.Error("sexual harassment must outrank threats, threats abuse")
	}
}
