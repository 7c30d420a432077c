package inbeeld.basis_test

import data.inbeeld.basis

_with(consents) := {
	"resource": {"properties": {"consents": consents}},
	"context": {"purpose": "actietafel", "today": "2026-11-24"},
}

_consent(id, status, purpose, from, until) := {
	"id": id, "status": status, "purpose": purpose, "valid_from": from, "valid_until": until,
}

test_an_active_consent_for_the_purpose_today_is_a_basis if {
	basis.consent == "consent:c1" with input as _with([_consent("c1", "active", "actietafel", "2026-01-01", null)])
}

test_the_lowest_id_names_the_basis if {
	basis.consent == "consent:a" with input as _with([
		_consent("b", "active", "actietafel", "2026-01-01", "2026-11-24"),
		_consent("a", "active", "actietafel", "2026-11-24", null),
	])
}

test_withdrawn_other_purpose_future_or_ended_is_no_basis if {
	not basis.consent with input as _with([
		_consent("w", "withdrawn", "actietafel", "2026-01-01", null),
		_consent("p", "active", "signalering", "2026-01-01", null),
		_consent("f", "active", "actietafel", "2026-11-25", null),
		_consent("e", "active", "actietafel", "2026-01-01", "2026-11-23"),
	])
}
