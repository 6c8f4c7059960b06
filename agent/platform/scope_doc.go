package platform

// Description says what s grants, for the OpenAPI document and the
// consent page ("" for a scope that is not one of AppScopes).
func (s Scope) Description() string {
	switch s {
	case ScopeAdmin:
		return "everything: settings, users, apps, sources, phones, audit"
	case ScopeContactsRead:
		return "read contacts and look numbers up"
	case ScopeContactsWrite:
		return "create, change and delete contacts"
	case ScopeCalls:
		return "place and control calls"
	case ScopePresence:
		return "read and set presence"
	case ScopeChat:
		return "send and read chat messages"
	case ScopeCallGroups:
		return "manage call groups"
	case ScopeHotel:
		return "hotel features (room status, wake-up calls)"
	case ScopeDialer:
		return "run dialer campaigns, leads and agents"
	case ScopeWallboard:
		return "read call groups' live state and statistics (wallboards)"
	}
	return ""
}
