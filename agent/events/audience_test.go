package events

import (
	"fmt"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func TestAudience(t *testing.T) {
	alice := platform.Principal{Kind: platform.KindSession, UserID: "u-alice", Role: platform.RoleUser}
	bob := platform.Principal{Kind: platform.KindSession, UserID: "u-bob", Role: platform.RoleUser}
	sup := platform.Principal{Kind: platform.KindSession, UserID: "u-sup", Role: platform.RoleSupervisor, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	plainSup := platform.Principal{Kind: platform.KindSession, UserID: "u-sup2", Role: platform.RoleSupervisor}
	admin := platform.Principal{Kind: platform.KindSession, UserID: "u-admin", Role: platform.RoleAdmin}
	token := platform.Principal{Kind: platform.KindAdminToken}
	app := platform.Principal{Kind: platform.KindApp, AppID: "app-1", Granted: []platform.Scope{platform.ScopeCalls}}
	appForAlice := platform.Principal{Kind: platform.KindAppUser, UserID: "u-alice", Role: platform.RoleUser, AppID: "app-2", Granted: []platform.Scope{platform.ScopeCalls}}

	// A roster: more users than setMin, so the audience keeps a set.
	many := []string{"u-alice"}
	for i := range setMin + 4 {
		many = append(many, fmt.Sprintf("u-%03d", i))
	}

	tests := []struct {
		name string
		aud  Audience
		yes  []platform.Principal
		no   []platform.Principal
	}{
		{name: "a user's call: the user and supervisors with manage_callcenter", aud: UserAndSupervisors("u-alice"),
			yes: []platform.Principal{alice, appForAlice, sup, admin, token}, no: []platform.Principal{bob, plainSup, app}},
		{name: "users by id", aud: Users("u-alice", "u-bob"), yes: []platform.Principal{alice, bob, appForAlice}, no: []platform.Principal{sup, token, app}},
		{name: "many users by id (a set)", aud: Users(many...), yes: []platform.Principal{alice, appForAlice, {Kind: platform.KindSession, UserID: "u-007"}}, no: []platform.Principal{bob, sup, token, app}},
		{name: "a union of many users and an ability", aud: Any(Users(many[10:]...), Users(many[:10]...), Holding(platform.AbilityManageCallCenter)),
			yes: []platform.Principal{alice, sup, admin, {Kind: platform.KindSession, UserID: "u-019"}}, no: []platform.Principal{bob, plainSup, app}},
		{name: "principals acting for no user", aud: NoUser(), yes: []platform.Principal{token, app}, no: []platform.Principal{alice, admin, appForAlice}},
		{name: "no user id matches an empty id", aud: Users(""), no: []platform.Principal{token, app}},
		{name: "roles", aud: Roles(platform.RoleSupervisor), yes: []platform.Principal{sup, plainSup}, no: []platform.Principal{alice, admin, token, app}},
		{name: "admin role takes the admin token", aud: Roles(platform.RoleAdmin), yes: []platform.Principal{admin, token}, no: []platform.Principal{sup, app}},
		{name: "ability", aud: Holding(platform.AbilityHotelAdmin), yes: []platform.Principal{admin, token}, no: []platform.Principal{alice, sup}},
		{name: "scope", aud: Granted(platform.ScopeCalls), yes: []platform.Principal{alice, app, token}, no: []platform.Principal{{Kind: platform.KindApp, Granted: []platform.Scope{platform.ScopeChat}}}},
		{name: "anyone", aud: Anyone(), yes: []platform.Principal{alice, app, token}},
		{name: "the empty union is no one", aud: Any(), no: []platform.Principal{alice, admin, token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range tt.yes {
				if !tt.aud.Match(p) {
					t.Errorf("%s (%s) is left out", p.UserID+p.AppID, p.Kind)
				}
			}
			for _, p := range tt.no {
				if tt.aud.Match(p) {
					t.Errorf("%s (%s) is let in", p.UserID+p.AppID, p.Kind)
				}
			}
		})
	}
}

func TestAudienceCopiesItsLists(t *testing.T) {
	ids := []string{"u-alice"}
	a := Users(ids...)
	ids[0] = "u-bob"
	if !a.Match(platform.Principal{UserID: "u-alice"}) || a.Match(platform.Principal{UserID: "u-bob"}) {
		t.Error("changing the caller's slice changed the audience")
	}
}
