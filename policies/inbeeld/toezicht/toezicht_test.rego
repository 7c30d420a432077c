package inbeeld.toezicht_test

import data.inbeeld.toezicht

_ask(org_type, role, action, purpose) := d if {
	d := toezicht.decision with input as {
		"subject": {"type": "professional", "id": "fg-1", "properties": {
			"organisation": "org-a", "organisation_type": org_type, "role": role,
		}},
		"action": {"name": action},
		"resource": {"type": "audit-log", "properties": {}},
		"context": {"purpose": purpose, "today": "2026-11-23"},
	}
}

test_privacy_officer_reads_the_log_of_the_own_organisation if {
	d := _ask("school", "privacy-officer", "audit.read", "toezicht")
	d.allow
	d.basis == "avg-39-toezicht"
	d.fields == ["scope:own-organisation"]
	_ask("ggd", "privacy-officer", "audit.export", "toezicht").allow
}

test_a_professional_cannot_read_the_log if {
	d := _ask("school", "zorgcoordinator", "audit.read", "toezicht")
	d.reasons == ["action-not-allowed-for-role"]
}

test_the_log_is_read_for_toezicht_only if {
	d := _ask("school", "privacy-officer", "audit.read", "signalering")
	d.reasons == ["purpose-not-allowed-for-action"]
}

test_unknown_audit_actions_are_refused if {
	_ask("school", "privacy-officer", "audit.delete", "toezicht").reasons == ["unknown-action"]
}

test_a_role_of_another_organisation_type_is_refused if {
	d := _ask("nonsense", "privacy-officer", "audit.read", "toezicht")
	"role-not-valid-for-organisation-type" in d.reasons
}

test_an_allowed_toezicht_request_is_exactly_this if {
	_ask("school", "privacy-officer", "audit.read", "toezicht") == {
		"allow": true, "fields": ["scope:own-organisation"], "basis": "avg-39-toezicht",
		"obligations": ["audit"], "reasons": [],
	}
}
