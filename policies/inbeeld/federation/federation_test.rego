package inbeeld.federation_test

import data.inbeeld.federation

_peer(org_type, role, purpose) := {
	"subject": {"type": "peer", "properties": {"region": "lekstroom", "organisation": "lp", "organisation_type": org_type, "role": role}},
	"action": {"name": "peer.lookup"},
	"context": {"purpose": purpose},
}

test_leerplicht_of_a_neighbouring_region_gets_the_signal if {
	d := federation.decision with input as _peer("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving")
	d.allow
	d.basis == "leerplichtwet"
	"involvements:school" in d.fields
}

test_a_school_across_the_border_gets_nothing if {
	d := federation.decision with input as _peer("school", "zorgcoordinator", "signalering")
	not d.allow
	d.reasons == ["no-statutory-task-for-peer"]
}

test_a_role_that_does_not_fit_is_refused if {
	d := federation.decision with input as _peer("leerplicht", "jeugdarts", "leerplicht-handhaving")
	"role-not-valid-for-organisation-type" in d.reasons
}

test_only_lookups if {
	d := federation.decision with input as object.union(_peer("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving"), {"action": {"name": "peer.read"}})
	d.reasons == ["unknown-action"]
}

test_an_allowed_peer_answer_is_audited_and_says_nothing_else if {
	d := federation.decision with input as _peer("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving")
	d.obligations == ["audit"]
	d.reasons == []
}
