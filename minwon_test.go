package minwon_test

import (
	"strings"
	"testing"

	"github.com/minwon/minwon"
)

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		name       string
		roles      []minwon.Role
		disabled   bool
		supervisor bool
		agent      bool
	}{
		{"CounselorIsAgent", []minwon.Role{minwon.RoleCounselor}, false, false, true},
		{"AdminMaySuperviseButTakesNoContacts", []minwon.Role{minwon.RoleAdmin}, false, true, false},
		{"SupervisorCounselorIsAgent", []minwon.Role{minwon.RoleSupervisor, minwon.RoleCounselor}, false, true, true},
		{"DisabledCounselorIsNoAgent", []minwon.Role{minwon.RoleCounselor}, true, false, false},
		{"OfficerIsNeither", []minwon.Role{minwon.RoleDepartment}, false, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &minwon.User{Roles: tc.roles, Disabled: tc.disabled}
			if got := u.HasRole(minwon.RoleSupervisor); got != tc.supervisor {
				t.Errorf("HasRole(supervisor) = %v", got)
			}
			if got := u.IsAgent(); got != tc.agent {
				t.Errorf("IsAgent = %v", got)
			}
		})
	}
	if (&minwon.User{Roles: []minwon.Role{minwon.RoleAdmin}}).HasRole(minwon.RoleDepartment) {
		t.Error("admins are not department officers")
	}
}

func TestValidateText(t *testing.T) {
	for _, tc := range []struct {
		name, text, code string
	}{
		{"Korean", "주민등록등본 발급", ""},
		{"HTMLIsJustText", "<script>alert(1)</script>", ""},
		{"InvalidUTF8", "\xc3\x28", minwon.EINVALID},
		{"NUL", "a\x00", minwon.EINVALID},
		{"AtLimit", strings.Repeat("a", 10), ""},
		{"OverLimit", strings.Repeat("a", 11), minwon.ETOOLARGE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := minwon.ErrorCode(minwon.ValidateText(tc.text, 10+len(tc.text)*btoi(tc.name != "AtLimit" && tc.name != "OverLimit"))); got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
