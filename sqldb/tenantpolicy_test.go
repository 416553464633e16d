package sqldb_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sqldb"
)

func TestTenantSaltAndPolicy(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		tn := minwon.Tenant{ID: "t1", Name: "서울 120", Kind: minwon.TenantCity, EntryPoints: []string{}, CreatedAt: at(0)}
		mustAppend(t, db, event(minwon.EventTenantSaved, 0, tn, tenant("t1")))
		first, second := minwon.NewSalt(), minwon.NewSalt()
		tenantOf := func() *minwon.Tenant {
			t.Helper()
			ts, err := db.Tenants(ctx)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tenants = %v, %v", ts, err)
			}
			return ts[0]
		}
		t.Run("NoSaltUntilGiven", func(t *testing.T) {
			if got := tenantOf(); len(got.Salt) != 0 || got.Policy != nil {
				t.Fatalf("a new tenant has salt %d bytes, policy %v", len(got.Salt), got.Policy)
			}
		})
		t.Run("TheFirstSaltIsKept", func(t *testing.T) {
			mustAppend(t, db, event(minwon.EventTenantSalt, 0, minwon.EncodeSalt(first), tenant("t1")))
			mustAppend(t, db, event(minwon.EventTenantSalt, 0, minwon.EncodeSalt(second), tenant("t1")))
			if got := tenantOf(); !bytes.Equal(got.Salt, first) {
				t.Fatal("the stored salt is not the first one given")
			}
			mustAppend(t, db, event(minwon.EventTenantSaved, 0, tn, tenant("t1")))
			if got := tenantOf(); !bytes.Equal(got.Salt, first) {
				t.Fatal("saving the tenant again lost its salt")
			}
		})
		t.Run("BadSaltsAreRefused", func(t *testing.T) {
			wantCode(t, db.Append(ctx, event(minwon.EventTenantSalt, 0, minwon.TenantSalt{Salt: "abc"}, tenant("t1"))), minwon.EINVALID)
			wantCode(t, db.Append(ctx, event(minwon.EventTenantSalt, 0, minwon.EncodeSalt(first), tenant("nope"))), minwon.ENOTFOUND)
		})
		cfg := json.RawMessage(`{"warnings":["하나","둘"]}`)
		t.Run("PolicyIsStoredWithWhoChangedIt", func(t *testing.T) {
			mustAppend(t, db, event(minwon.EventPolicyUpdated, 0, minwon.PolicyUpdated{Config: cfg}, tenant("t1"), actor("admin")))
			got := tenantOf().Policy
			if got == nil || got.UpdatedBy != "admin" || !got.UpdatedAt.Equal(at(0)) {
				t.Fatalf("policy = %+v", got)
			}
			var a, b any
			json.Unmarshal(got.Config, &a)
			json.Unmarshal(cfg, &b)
			wantEqual(t, "config", a, b)
			mustAppend(t, db, event(minwon.EventTenantSaved, 0, tn, tenant("t1")))
			if tenantOf().Policy == nil {
				t.Fatal("saving the tenant again lost its policy")
			}
		})
		t.Run("AnEmptyConfigRemovesIt", func(t *testing.T) {
			mustAppend(t, db, event(minwon.EventPolicyUpdated, 0, minwon.PolicyUpdated{}, tenant("t1"), actor("admin")))
			if got := tenantOf().Policy; got != nil {
				t.Fatalf("policy after reset = %+v", got)
			}
			wantCode(t, db.Append(ctx, event(minwon.EventPolicyUpdated, 0, minwon.PolicyUpdated{Config: cfg}, tenant("nope"))), minwon.ENOTFOUND)
		})
	})
}
