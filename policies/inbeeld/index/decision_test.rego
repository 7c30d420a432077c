package inbeeld.index_decision_test

# Whole decisions and their edges, one rule at a time: each test here was written for a mutant of
# decision.rego that the other tests let through (python -m tests.policies.mutate --only index).

import data.inbeeld.index

_request(org_type, role, action, purpose, resource) := {
	"subject": {"type": "professional", "id": "prof-1", "properties": {
		"organisation": "org-a", "organisation_type": org_type, "role": role,
	}},
	"action": {"name": action},
	"resource": {"type": "child", "properties": resource},
	"context": {"purpose": purpose, "region": "utrecht", "today": "2026-12-01"},
}

_consent := {"consents": [{
	"id": "c-1", "status": "active", "purpose": "afstemming-kernteam",
	"valid_from": "2026-01-01", "valid_until": null,
}]}

test_an_allowed_decision_is_exactly_this if {
	d := index.decision with input as _request("school", "zorgcoordinator", "involvement.register", "signalering", {})
	d == {
		"allow": true, "fields": ["child_ref"], "basis": "jeugdwet-7.1.1-verwijsindex",
		"obligations": ["audit"], "reasons": [],
	}
}

test_an_unknown_action_is_denied_for_what_it_is_not_for_the_role if {
	d := index.decision with input as _request("school", "zorgcoordinator", "child.delete", "signalering", {})
	d.reasons == ["purpose-not-allowed-for-action", "unknown-action"]
}

test_a_consent_lets_a_partner_look_along_but_never_report if {
	read := index.decision with input as _request(
		"school", "zorgcoordinator", "child.read", "afstemming-kernteam", _consent,
	)
	read.allow
	read.basis == "consent:c-1"
	report := index.decision with input as _request(
		"school", "zorgcoordinator", "regisseur.set", "afstemming-kernteam",
		object.union(_consent, {"target_involved": true}),
	)
	report.reasons == ["no-involvement-or-statutory-task"]
}

test_an_owner_field_matters_only_when_ending_an_involvement if {
	d := index.decision with input as _request(
		"school", "zorgcoordinator", "child.read", "signalering", {"caller_involved": true, "owner": "org-b"},
	)
	d.allow
}

test_a_schools_absence_report_rests_on_its_duty_even_with_a_consent if {
	d := index.decision with input as _request(
		"school", "verzuimadministratie", "event.report", "afstemming-kernteam",
		object.union(_consent, {"caller_involved": true, "event": "unauthorised-absence", "subject_organisation": "org-a"}),
	)
	d.allow
	d.basis == "leerplichtwet"
}

test_a_schools_passend_aanbod_rests_on_the_zorgplicht if {
	d := index.decision with input as _request(
		"school", "zorgcoordinator", "event.report", "afstemming-kernteam",
		{"caller_involved": true, "event": "passend-aanbod"},
	)
	d.allow
	d.basis == "wet-passend-onderwijs"
}

test_each_kernteam_partner_has_its_own_basis_for_the_worklist if {
	every org_type, expected in {
		"jeugdteam": ["jeugdprofessional", "jeugdwet"],
		"ggd": ["jeugdarts", "wet-publieke-gezondheid"],
		"swv": ["consulent", "wet-passend-onderwijs"],
	} {
		d := index.decision with input as _request(org_type, expected[0], "worklist.read", "afstemming-kernteam", {})
		d.basis == expected[1]
	}
}

test_only_enrolments_of_another_school_are_refused if {
	absence := index.decision with input as _request(
		"school", "verzuimadministratie", "event.report", "signalering",
		{"caller_involved": true, "event": "unauthorised-absence", "subject_organisation": "org-b"},
	)
	absence.allow
	leerplicht := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "event.report", "leerplicht-handhaving",
		{"event": "de-enrolment", "subject_organisation": "org-b"},
	)
	leerplicht.allow
	read := index.decision with input as _request(
		"school", "zorgcoordinator", "child.read", "signalering",
		{"caller_involved": true, "event": "enrolment", "subject_organisation": "org-b"},
	)
	read.allow
}

test_a_resource_naming_doorzettingsmacht_does_not_block_a_read if {
	d := index.decision with input as _request(
		"school", "zorgcoordinator", "case.read", "afstemming-kernteam",
		{"caller_involved": true, "event": "doorzettingsmacht"},
	)
	d.allow
}

test_a_list_of_involvements_carries_no_attendance_and_no_regisseur if {
	d := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "involvements.list", "leerplicht-handhaving", {},
	)
	d.allow
	not "attendance" in d.fields
	not "regisseur" in d.fields
}

test_a_signal_only_reader_sees_no_regisseur if {
	d := index.decision with input as _request("school", "zorgcoordinator", "child.read", "signalering", {"caller_involved": true})
	d.allow
	not "regisseur" in d.fields
	not "attendance" in d.fields
}

test_worklist_parties_follow_the_role if {
	leerplicht := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "worklist.read", "leerplicht-handhaving", {},
	)
	leerplicht.fields == ["party:kernteam", "party:leerplicht", "party:organisation", "party:regisseur"]
	team := index.decision with input as _request("swv", "interventieteam", "worklist.read", "interventieteam", {})
	team.fields == ["party:interventieteam", "party:kernteam", "party:organisation", "party:regisseur"]
	card := index.decision with input as _request(
		"swv", "interventieteam", "child.read", "interventieteam", {"caller_involved": true},
	)
	not "party:interventieteam" in card.fields
	lpa_card := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "child.read", "leerplicht-handhaving", {},
	)
	not "party:leerplicht" in lpa_card.fields
}

test_every_professional_role_may_look_a_child_up if {
	every org_type, role in {
		"leerplicht": "leerplichtambtenaar", "jeugdteam": "jeugdprofessional", "swv": "consulent",
		"rvdk": "raadsonderzoeker", "save": "jeugdbeschermer", "ggd": "jeugdverpleegkundige",
	} {
		d := index.decision with input as _request(org_type, role, "child.lookup", "signalering", {"caller_involved": true})
		not "action-not-allowed-for-role" in d.reasons
	}
	manager := index.decision with input as _request(
		"jeugdteam", "teammanager", "child.lookup", "signalering", {"caller_involved": true},
	)
	manager.allow
	team := index.decision with input as _request(
		"swv", "interventieteam", "child.lookup", "signalering", {"caller_involved": true},
	)
	team.allow
}

test_a_match_notification_is_exactly_this if {
	d := index.match_notification with input as _request("school", "zorgcoordinator", "match.notify", "signalering", {
		"partner_type": "ggd",
	})
	d == {
		"allow": true, "fields": ["organisation", "role", "contact_point", "since"],
		"basis": "jeugdwet-7.1.1-verwijsindex", "obligations": ["audit"], "reasons": [],
	}
}

test_a_step_notification_is_exactly_this if {
	d := index.step_notification with input as _request("jeugdteam", "jeugdprofessional", "step.notify", "actietafel", {
		"regisseur": "org-a",
	})
	d == {
		"allow": true, "fields": ["step", "party", "starts_on", "due_on", "case_started_on"],
		"basis": "jeugdwet", "obligations": ["audit"], "reasons": [],
	}
}

test_partners_who_are_not_regisseur_are_told_on_their_own_basis if {
	every org_type, expected in {
		"leerplicht": ["leerplichtambtenaar", "leerplichtwet"],
		"school": ["zorgcoordinator", "wet-passend-onderwijs"],
		"swv": ["consulent", "wet-passend-onderwijs"],
		"save": ["jeugdbeschermer", "bw-1-jeugdbescherming"],
		"rvdk": ["raadsonderzoeker", "bw-1-jeugdbescherming"],
	} {
		d := index.step_notification with input as _request(org_type, expected[0], "step.notify", "actietafel", {
			"regisseur": "org-b",
		})
		d.basis == expected[1]
	}
}

# Missing inputs deny with the reason that names them, in OPA as in regorus (a negated membership test is where the
# two engines part; see vocabulary.role_valid).
test_a_missing_field_denies_for_what_is_missing if {
	request := _request("school", "zorgcoordinator", "child.read", "signalering", {"caller_involved": true})
	no_action := index.decision with input as json.remove(request, ["action/name"])
	no_action.reasons == ["purpose-not-allowed-for-action", "unknown-action"]
	no_role := index.decision with input as json.remove(request, ["subject/properties/role"])
	no_role.reasons == ["action-not-allowed-for-role", "role-not-valid-for-organisation-type"]
	no_purpose := index.decision with input as json.remove(request, ["context/purpose"])
	no_purpose.reasons == ["purpose-not-allowed-for-action"]
}

test_an_event_report_without_its_facts_is_refused if {
	no_event := index.decision with input as _request(
		"school", "zorgcoordinator", "event.report", "signalering", {"caller_involved": true})
	no_event.reasons == ["event-not-allowed-for-role"]
	enrolment := _request("school", "zorgcoordinator", "event.report", "signalering",
		{"caller_involved": true, "event": "enrolment"})
	elsewhere := index.decision with input as enrolment
	elsewhere.reasons == ["enrolment-of-another-school"]
	binding := _request("swv", "interventieteam", "event.report", "interventieteam",
		{"caller_involved": true, "event": "doorzettingsmacht"})
	in_region := index.decision with input as binding
	in_region.allow
	no_region := index.decision with input as json.remove(binding, ["context/region"])
	no_region.reasons == ["no-doorzettingsmacht"]
}
