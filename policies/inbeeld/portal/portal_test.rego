package inbeeld.portal_test

import data.inbeeld.portal

_step_input(relation, action, child) := {
	"subject": {"type": "person", "id": "custodian:abc", "properties": {"relation": relation}},
	"action": {"name": action},
	"resource": {"type": "child", "properties": child},
	"context": {"today": "2026-11-23"},
}

_step(relation, action, child) := d if {
	d := portal.decision with input as _step_input(relation, action, child)
}

test_custodian_sees_a_child_under_16 if {
	d := _step("custodian", "portal.child", {"age": 9, "custodian_has_gezag": true})
	d.allow
	d.basis == "ouderlijk-gezag"
	d.fields == ["accesses", "consents", "involvements"]
}

test_without_a_birth_date_nobody_can_tell_who_speaks_for_the_child if {
	d := _step("custodian", "portal.consent.withdraw", {"age": null, "custodian_has_gezag": true})
	d.reasons == ["age-unknown"]
}

test_without_gezag_nothing if {
	d := _step("custodian", "portal.child", {"age": 9, "custodian_has_gezag": false})
	not d.allow
	d.reasons == ["no-gezag"]
}

test_from_16_the_child_decides_alone if {
	d := _step("custodian", "portal.consent.give", {"age": 16, "custodian_has_gezag": true})
	not d.allow
	d.reasons == ["child-decides-from-16"]
	_step("child", "portal.consent.give", {"age": 16, "is_self": true}).allow
}

test_a_child_from_12_sees_and_consents_about_themselves if {
	d := _step("child", "portal.child", {"age": 12, "is_self": true})
	d.allow
	d.basis == "eigen-gegevens"
	_step("child", "portal.consent.confirm", {"age": 15, "is_self": true}).allow
}

test_a_child_under_12_cannot_log_in if {
	d := _step("child", "portal.child", {"age": 11, "is_self": true})
	d.reasons == ["too-young-to-log-in"]
}

test_a_child_of_unknown_age_cannot_log_in if {
	_step("child", "portal.child", {"age": null, "is_self": true}).reasons == ["age-unknown"]
}

test_a_child_sees_only_themselves if {
	_step("child", "portal.child", {"age": 14, "is_self": false}).reasons == ["not-the-child"]
}

test_unknown_steps_and_relations_are_refused if {
	_step("custodian", "portal.export", {"age": 9, "custodian_has_gezag": true}).reasons == ["unknown-action"]
	d := _step("neighbour", "portal.child", {"age": 9})
	not d.allow
	"unknown-relation" in d.reasons
}

test_an_allowed_step_is_audited_and_gives_no_reasons if {
	d := _step("custodian", "portal.child", {"age": 9, "custodian_has_gezag": true})
	d.obligations == ["audit"]
	d.reasons == []
}

test_refusing_and_reading_receipts_are_known_steps if {
	_step("custodian", "portal.consent.refuse", {"age": 9, "custodian_has_gezag": true}).fields == ["consents"]
	_step("custodian", "portal.consent.receipts", {"age": 9, "custodian_has_gezag": true}).fields == ["consents"]
}

test_an_unknown_age_is_not_taken_for_16 if {
	d := _step("custodian", "portal.child", {"age": "sixteen", "custodian_has_gezag": true})
	d.reasons == ["age-unknown"]
}

test_a_step_without_relation_or_action_is_refused if {
	step := _step_input("custodian", "portal.child", {"age": 9, "custodian_has_gezag": true})
	d := portal.decision with input as step
	d.allow
	no_relation := portal.decision with input as json.remove(step, ["subject/properties/relation"])
	"unknown-relation" in no_relation.reasons
	no_action := portal.decision with input as json.remove(step, ["action/name"])
	"unknown-action" in no_action.reasons
}
