package inbeeld.details_test

import data.inbeeld.details

_ask(org_type, role, purpose, resource) := {
	"subject": {"type": "professional", "id": "p", "properties": {"organisation": "o", "organisation_type": org_type, "role": role}},
	"action": {"name": "details.read"},
	"resource": {"type": "child", "properties": resource},
	"context": {"purpose": purpose, "today": "2026-11-24"},
}

_consent := {"id": "c1", "status": "active", "purpose": "actietafel", "valid_from": "2026-01-01", "valid_until": null}

test_leerplicht_gets_attendance_and_consult_dates_on_its_statutory_task if {
	d := details.decision with input as _ask("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving", {"categories": ["jgz-contact", "attendance-summary"]})
	d.allow
	d.basis == "leerplichtwet"
	"jgz-contact.planned" in d.fields
	"attendance-summary.absent_hours_4w" in d.fields
	not "jgz-contact.reason" in d.fields
	"do-not-store" in d.obligations
}

test_the_signal_alone_opens_no_details if {
	d := details.decision with input as _ask("school", "zorgcoordinator", "actietafel", {"caller_involved": true, "categories": ["jgz-contact"]})
	not d.allow
	d.reasons == ["no-basis"]
}

test_a_consent_opens_what_the_school_may_know if {
	d := details.decision with input as _ask("school", "zorgcoordinator", "actietafel", {"caller_involved": true, "categories": ["jgz-contact", "attendance-summary"], "consents": [_consent]})
	d.allow
	d.basis == "consent:c1"
	d.fields == ["jgz-contact.last_contact_on", "jgz-contact.next_contact_on", "jgz-contact.planned", "jgz-contact.took_place"]
}

test_only_child_protection_sees_the_content_of_a_consult if {
	d := details.decision with input as _ask("save", "jeugdbeschermer", "jeugdbescherming", {"categories": ["jgz-contact"]})
	"jgz-contact.reason" in d.fields
}

test_deny_paths if {
	unknown := details.decision with input as _ask("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving", {"categories": ["dossier"]})
	unknown.reasons == ["no-category-allowed", "unknown-category"]
	stranger := details.decision with input as _ask("ggd", "jeugdarts", "actietafel", {"categories": ["support"]})
	stranger.reasons == ["no-involvement-or-statutory-task"]
	clerk := details.decision with input as _ask("school", "verzuimadministratie", "actietafel", {"caller_involved": true, "categories": ["jgz-contact"], "consents": [_consent]})
	clerk.reasons == ["action-not-allowed-for-role"]
	monitoring := details.decision with input as _ask("leerplicht", "leerplichtambtenaar", "monitoring", {"categories": ["jgz-contact"]})
	"purpose-not-allowed-for-action" in monitoring.reasons
	own := details.decision with input as _ask("ggd", "jeugdarts", "actietafel", {"caller_involved": true, "categories": ["jgz-contact"], "consents": [_consent]})
	own.reasons == ["no-category-allowed"]
	wrong := details.decision with input as _ask("school", "jeugdarts", "actietafel", {"caller_involved": true, "categories": ["jgz-contact"]})
	"role-not-valid-for-organisation-type" in wrong.reasons
}

test_an_allowed_answer_must_not_be_stored if {
	d := details.decision with input as _ask("leerplicht", "leerplichtambtenaar", "leerplicht-handhaving", {"categories": ["support"]})
	d == {
		"allow": true, "fields": ["support.arrangement_since", "support.opp"], "basis": "leerplichtwet",
		"obligations": ["audit", "do-not-store"], "reasons": [],
	}
}

test_a_consent_opens_details_without_an_involvement if {
	d := details.decision with input as _ask("school", "zorgcoordinator", "actietafel", {"categories": ["jgz-contact"], "consents": [_consent]})
	d.allow
	d.basis == "consent:c1"
}

test_the_content_of_a_consult_only_when_consults_were_asked_for if {
	d := details.decision with input as _ask("save", "jeugdbeschermer", "jeugdbescherming", {"categories": ["support"]})
	d.fields == ["support.arrangement_since", "support.opp"]
}
