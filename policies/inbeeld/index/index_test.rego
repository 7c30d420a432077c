package inbeeld.index_test

import data.inbeeld.index

_request(org_type, role, action, purpose, resource) := {
	"subject": {"type": "professional", "id": "prof-1", "properties": {
		"organisation": "org-a", "organisation_type": org_type, "role": role,
	}},
	"action": {"name": action},
	"resource": {"type": "child", "properties": resource},
	"context": {"purpose": purpose},
}

test_school_registers_involvement_on_the_signal_basis if {
	d := index.decision with input as _request("school", "zorgcoordinator", "involvement.register", "signalering", {})
	d.allow
	d.basis == "jeugdwet-7.1.1-verwijsindex"
	d.fields == ["child_ref"]
}

test_involved_school_reads_card_without_child_protection if {
	d := index.decision with input as _request(
		"school", "intern-begeleider", "child.read", "afstemming-kernteam", {"caller_involved": true},
	)
	d.allow
	"involvements:ggd" in d.fields
	not "involvements:save" in d.fields
	not "involvements:rvdk" in d.fields
}

test_jeugdteam_sees_child_protection_involvement if {
	d := index.decision with input as _request(
		"jeugdteam", "jeugdprofessional", "involvements.list", "actietafel", {"caller_involved": true},
	)
	d.allow
	"involvements:save" in d.fields
}

test_uninvolved_school_lookup_denied if {
	d := index.decision with input as _request("school", "zorgcoordinator", "child.lookup", "signalering", {})
	not d.allow
	d.reasons == ["no-involvement-or-statutory-task"]
}

test_leerplicht_looks_up_on_statutory_task if {
	d := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "child.lookup", "leerplicht-handhaving", {},
	)
	d.allow
	d.basis == "leerplichtwet"
}

test_role_of_another_organisation_type_denied if {
	d := index.decision with input as _request("school", "jeugdarts", "child.read", "signalering", {"caller_involved": true})
	not d.allow
	"role-not-valid-for-organisation-type" in d.reasons
}

test_privacy_officer_cannot_read_cases if {
	d := index.decision with input as _request("ggd", "privacy-officer", "child.read", "toezicht", {"caller_involved": true})
	not d.allow
	"action-not-allowed-for-role" in d.reasons
	"purpose-not-allowed-for-action" in d.reasons
}

test_monitoring_purpose_gives_no_child_data if {
	d := index.decision with input as _request("ggd", "jeugdarts", "child.read", "monitoring", {"caller_involved": true})
	not d.allow
	d.reasons == ["purpose-not-allowed-for-action"]
}

test_ending_another_organisations_involvement_denied if {
	d := index.decision with input as _request(
		"school", "zorgcoordinator", "involvement.end", "signalering", {"owner": "org-b"},
	)
	not d.allow
	d.reasons == ["not-own-involvement"]
}

test_ggd_cannot_report_absence if {
	d := index.decision with input as _request(
		"ggd", "jeugdarts", "event.report", "signalering", {"caller_involved": true, "event": "unauthorised-absence"},
	)
	not d.allow
	d.reasons == ["event-not-allowed-for-role"]
}

test_school_reports_absence_under_leerplichtwet if {
	d := index.decision with input as _request(
		"school", "verzuimadministratie", "event.report", "signalering",
		{"caller_involved": true, "event": "unauthorised-absence"},
	)
	d.allow
	d.basis == "leerplichtwet"
	d.fields == ["attendance"]
}

test_school_enrols_only_at_itself if {
	d := index.decision with input as _request(
		"school", "zorgcoordinator", "event.report", "signalering",
		{"caller_involved": true, "event": "enrolment", "subject_organisation": "org-b"},
	)
	not d.allow
	d.reasons == ["enrolment-of-another-school"]
}

test_leerplicht_records_a_vrijstelling_a_school_cannot if {
	ok := index.decision with input as _request(
		"leerplicht", "leerplichtambtenaar", "event.report", "leerplicht-handhaving", {"event": "vrijstelling-5a"},
	)
	ok.allow
	ok.basis == "leerplichtwet"
	no := index.decision with input as _request(
		"school", "zorgcoordinator", "event.report", "signalering", {"caller_involved": true, "event": "vrijstelling-5a"},
	)
	no.reasons == ["event-not-allowed-for-role"]
}

test_only_the_region_s_designated_party_uses_doorzettingsmacht if {
	swv := index.decision with input as object.union(_request(
		"swv", "interventieteam", "event.report", "interventieteam", {"caller_involved": true, "event": "doorzettingsmacht"},
	), {"context": {"purpose": "interventieteam", "region": "utrecht"}})
	swv.allow
	swv.basis == "wet-passend-onderwijs"
	gemeente := index.decision with input as object.union(_request(
		"leerplicht", "leerplichtambtenaar", "event.report", "interventieteam",
		{"caller_involved": true, "event": "doorzettingsmacht"},
	), {"context": {"purpose": "interventieteam", "region": "utrecht"}})
	gemeente.reasons == ["no-doorzettingsmacht"]
}

test_case_needs_more_than_the_signal if {
	school := index.decision with input as _request("school", "zorgcoordinator", "case.read", "actietafel", {"caller_involved": true})
	school.allow
	school.basis == "wet-passend-onderwijs"
	school.fields == ["case"]
	ggd := index.decision with input as _request("ggd", "jeugdarts", "case.read", "actietafel", {"caller_involved": true})
	not ggd.allow
	ggd.reasons == ["no-basis"]
}

test_worklist_parties_follow_the_role if {
	it := index.decision with input as _request("swv", "interventieteam", "worklist.read", "interventieteam", {})
	"party:interventieteam" in it.fields
	not "party:leerplicht" in it.fields
	lp := index.decision with input as _request("leerplicht", "leerplichtambtenaar", "worklist.read", "leerplicht-handhaving", {})
	"party:leerplicht" in lp.fields
	lp.basis == "leerplichtwet"
	save := index.decision with input as _request("save", "jeugdbeschermer", "worklist.read", "actietafel", {})
	not save.allow
}

test_step_notices_go_to_the_regisseur_and_statutory_partners if {
	regisseur := index.step_notification with input as {
		"subject": {"properties": {"organisation": "jt", "organisation_type": "jeugdteam"}},
		"resource": {"properties": {"regisseur": "jt"}},
	}
	regisseur.allow
	regisseur.basis == "jeugdwet"
	ggd := index.step_notification with input as {
		"subject": {"properties": {"organisation": "ggd", "organisation_type": "ggd"}},
		"resource": {"properties": {"regisseur": "jt"}},
	}
	not ggd.allow
	ggd.reasons == ["no-basis-for-case-notice"]
}

test_regisseur_must_be_involved if {
	d := index.decision with input as _request(
		"jeugdteam", "teammanager", "regisseur.set", "actietafel", {"caller_involved": true, "target_involved": false},
	)
	not d.allow
	d.reasons == ["regisseur-not-involved"]
}

test_unknown_action_denied if {
	d := index.decision with input as _request("school", "zorgcoordinator", "child.delete", "signalering", {})
	not d.allow
	"unknown-action" in d.reasons
}

test_school_is_told_of_jeugdteam_match if {
	d := index.match_notification with input as {
		"subject": {"properties": {"organisation_type": "school"}},
		"resource": {"properties": {"partner_type": "jeugdteam"}},
	}
	d.allow
	d.basis == "jeugdwet-7.1.1-verwijsindex"
}

test_school_is_not_told_of_raad_match if {
	d := index.match_notification with input as {
		"subject": {"properties": {"organisation_type": "school"}},
		"resource": {"properties": {"partner_type": "rvdk"}},
	}
	not d.allow
	d.reasons == ["partner-hidden-from-recipient"]
}

_consent(status, purpose, from, until) := {
	"id": "c-1", "status": status, "purpose": purpose, "valid_from": from, "valid_until": until,
}

_read_with(consents) := d if {
	request := _request("school", "zorgcoordinator", "child.read", "afstemming-kernteam", {
		"caller_involved": true, "consents": consents,
	})
	d := index.decision with input as object.union(request, {"context": {
		"purpose": "afstemming-kernteam", "today": "2026-11-23",
	}})
}

test_school_with_active_consent_sees_attendance_and_child_protection if {
	d := _read_with([_consent("active", "afstemming-kernteam", "2026-01-01", null)])
	d.allow
	d.basis == "consent:c-1"
	"attendance" in d.fields
	"regisseur" in d.fields
	"involvements:rvdk" in d.fields
}

test_school_without_consent_reads_on_the_signal_only if {
	d := _read_with([])
	d.basis == "jeugdwet-7.1.1-verwijsindex"
	not "attendance" in d.fields
	not "involvements:save" in d.fields
}

test_withdrawn_consent_gives_nothing_beyond_the_signal if {
	d := _read_with([_consent("withdrawn", "afstemming-kernteam", "2026-01-01", null)])
	d.basis == "jeugdwet-7.1.1-verwijsindex"
	not "attendance" in d.fields
}

test_expired_consent_gives_nothing_beyond_the_signal if {
	d := _read_with([_consent("active", "afstemming-kernteam", "2026-01-01", "2026-11-22")])
	not "attendance" in d.fields
}

test_consent_valid_through_its_last_day if {
	d := _read_with([_consent("active", "afstemming-kernteam", "2026-01-01", "2026-11-23")])
	"attendance" in d.fields
}

test_consent_not_yet_valid_gives_nothing if {
	d := _read_with([_consent("active", "afstemming-kernteam", "2026-11-24", null)])
	not "attendance" in d.fields
}

test_consent_for_another_purpose_gives_nothing if {
	d := _read_with([_consent("active", "actietafel", "2026-01-01", null)])
	not "attendance" in d.fields
}

test_statutory_task_outranks_consent if {
	request := _request("leerplicht", "leerplichtambtenaar", "child.read", "leerplicht-handhaving", {
		"consents": [_consent("active", "leerplicht-handhaving", "2026-01-01", null)],
	})
	d := index.decision with input as object.union(request, {"context": {
		"purpose": "leerplicht-handhaving", "today": "2026-11-23",
	}})
	d.basis == "leerplichtwet"
	"attendance" in d.fields
}

test_involved_partner_registers_a_consent_obtained_in_a_meeting if {
	d := index.decision with input as _request(
		"jeugdteam", "jeugdprofessional", "consent.register", "afstemming-kernteam", {"caller_involved": true},
	)
	d.allow
	d.fields == ["consents"]
	d.basis == "jeugdwet-7.1.1-verwijsindex"
}

test_uninvolved_partner_cannot_register_consent if {
	d := index.decision with input as _request("ggd", "jeugdarts", "consent.register", "signalering", {})
	not d.allow
	d.reasons == ["no-involvement-or-statutory-task"]
}

test_verzuimadministratie_cannot_withdraw_consent if {
	d := index.decision with input as _request(
		"school", "verzuimadministratie", "consent.withdraw", "signalering", {"caller_involved": true},
	)
	not d.allow
	d.reasons == ["action-not-allowed-for-role"]
}

_uninvolved_with(action, consents) := d if {
	request := _request("swv", "consulent", action, "afstemming-kernteam", {"consents": consents})
	d := index.decision with input as object.union(request, {"context": {
		"today": "2026-11-20", "time": "2026-11-20T10:00:00Z", "request_id": "r-1",
	}})
}

test_consent_lets_an_uninvolved_partner_read if {
	d := _uninvolved_with("child.read", [_consent("active", "afstemming-kernteam", "2026-01-01", null)])
	d.allow
	d.basis == "consent:c-1"
}

test_withdrawn_consent_no_longer_lets_an_uninvolved_partner_read if {
	d := _uninvolved_with("child.read", [_consent("withdrawn", "afstemming-kernteam", "2026-01-01", null)])
	not d.allow
	d.reasons == ["no-involvement-or-statutory-task"]
}

test_consent_does_not_let_an_uninvolved_partner_name_a_regisseur if {
	d := _uninvolved_with("regisseur.set", [_consent("active", "afstemming-kernteam", "2026-01-01", null)])
	not d.allow
}

# One reporter each kind of event is meant for: a kind missing from the table would be reportable by nobody.
_event_reporters := {
	"unauthorised-absence": ["school", "verzuimadministratie", "signalering"],
	"authorised-absence": ["school", "verzuimadministratie", "signalering"],
	"enrolment": ["school", "zorgcoordinator", "signalering"],
	"de-enrolment": ["school", "zorgcoordinator", "signalering"],
	"vrijstelling-5a": ["leerplicht", "leerplichtambtenaar", "leerplicht-handhaving"],
	"passend-aanbod": ["swv", "consulent", "actietafel"],
	"actietafel-held": ["jeugdteam", "jeugdprofessional", "actietafel"],
	"joint-decision": ["leerplicht", "leerplichtambtenaar", "actietafel"],
	"interventieteam-started": ["swv", "interventieteam", "interventieteam"],
	"interventieteam-plan": ["swv", "interventieteam", "interventieteam"],
	"interventieteam-solution": ["swv", "interventieteam", "interventieteam"],
	"doorzettingsmacht": ["swv", "consulent", "interventieteam"],
	"no-place": ["jeugdteam", "jeugdprofessional", "actietafel"],
}

test_every_kind_of_event_has_its_reporters if {
	every event, who in _event_reporters {
		d := index.decision with input as object.union(
			_request(who[0], who[1], "event.report", who[2],
				{"caller_involved": true, "event": event, "subject_organisation": "org-a"}),
			{"context": {"purpose": who[2], "region": "utrecht"}},
		)
		d.allow
	}
}

# One caller each action is meant for, with the caller involved: an action missing from the role or purpose
# tables would be allowed to nobody.
_action_callers := {
	"involvement.register": ["school", "zorgcoordinator", "signalering"],
	"involvement.end": ["school", "zorgcoordinator", "signalering"],
	"child.lookup": ["school", "zorgcoordinator", "signalering"],
	"child.read": ["school", "zorgcoordinator", "afstemming-kernteam"],
	"involvements.list": ["ggd", "jeugdarts", "afstemming-kernteam"],
	"regisseur.set": ["jeugdteam", "jeugdprofessional", "actietafel"],
	"consent.register": ["school", "zorgcoordinator", "afstemming-kernteam"],
	"consent.withdraw": ["school", "zorgcoordinator", "afstemming-kernteam"],
	"consent.list": ["school", "zorgcoordinator", "afstemming-kernteam"],
	"case.read": ["leerplicht", "leerplichtambtenaar", "leerplicht-handhaving"],
	"worklist.read": ["swv", "consulent", "actietafel"],
}

test_every_action_has_its_callers if {
	every action, who in _action_callers {
		d := index.decision with input as _request(who[0], who[1], action, who[2],
			{"caller_involved": true, "target_involved": true})
		d.allow
	}
}

test_ggd_reads_card_without_child_protection_on_the_signal_basis if {
	d := index.decision with input as _request(
		"ggd", "jeugdarts", "child.read", "afstemming-kernteam", {"caller_involved": true},
	)
	d.allow
	"involvements:school" in d.fields
	not "involvements:save" in d.fields
	not "involvements:rvdk" in d.fields
}
