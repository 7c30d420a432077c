package inbeeld.region_test

import data.inbeeld.region

_request(org_type, role, action, purpose) := {
	"subject": {"type": "professional", "id": "p", "properties": {"organisation": "o", "organisation_type": org_type, "role": role}},
	"action": {"name": action},
	"context": {"purpose": purpose},
}

test_leerplicht_reads_the_monitor_for_monitoring_only if {
	ok := region.decision with input as _request("leerplicht", "leerplichtambtenaar", "monitor.read", "monitoring")
	ok.allow
	no := region.decision with input as _request("leerplicht", "leerplichtambtenaar", "monitor.read", "leerplicht-handhaving")
	no.reasons == ["purpose-not-allowed-for-action"]
}

test_a_school_does_not_read_the_monitor if {
	d := region.decision with input as _request("school", "zorgcoordinator", "monitor.read", "monitoring")
	d.reasons == ["action-not-allowed-for-role"]
}

test_everyone_reads_the_routekaart_only_the_region_edits_it if {
	read := region.decision with input as _request("school", "verzuimadministratie", "routekaart.read", null)
	read.allow
	edit := region.decision with input as _request("school", "zorgcoordinator", "routekaart.edit", null)
	edit.reasons == ["action-not-allowed-for-role"]
	admin := region.decision with input as _request("regio", "regiobeheerder", "routekaart.edit", null)
	admin.allow
}

test_a_role_of_another_organisation_type_is_refused if {
	d := region.decision with input as _request("school", "regiobeheerder", "routekaart.edit", null)
	"role-not-valid-for-organisation-type" in d.reasons
}

test_rulesets_have_a_version_and_differ_per_region if {
	region.rulesets.utrecht.version != region.rulesets.lekstroom.version
	region.rulesets.lekstroom.clocks.region_target_weeks == 6
	region.rulesets.utrecht.clocks.teammanagers_weeks == 8
}

test_an_allowed_region_request_is_exactly_this if {
	d := region.decision with input as _request("leerplicht", "leerplichtambtenaar", "monitor.read", "monitoring")
	d == {"allow": true, "fields": [], "basis": "geen-persoonsgegevens", "obligations": ["audit"], "reasons": []}
}

test_an_unknown_region_action_is_not_also_a_role_problem if {
	d := region.decision with input as _request("leerplicht", "leerplichtambtenaar", "monitor.delete", "monitoring")
	not "action-not-allowed-for-role" in d.reasons
	"unknown-action" in d.reasons
}
