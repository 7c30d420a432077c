package inbeeld.index_rmc_test

# The RMC (voortijdig schoolverlaten, 16-23): its statutory task, what it sees (attendance status and the
# schools, never a case, the other partners or the regisseur), its own purpose and its own worklist.

import data.inbeeld.index

_request(org_type, role, action, purpose, resource) := {
	"subject": {"type": "professional", "id": "prof-1", "properties": {
		"organisation": "rmc-a", "organisation_type": org_type, "role": role,
	}},
	"action": {"name": action},
	"resource": {"type": "child", "properties": resource},
	"context": {"purpose": purpose, "region": "utrecht", "today": "2026-12-01"},
}

_rmc(action, resource) := d if {
	d := index.decision with input as _request("rmc", "rmc-consulent", action, "voortijdig-schoolverlaten", resource)
}

test_rmc_finds_a_young_person_on_its_statutory_task if {
	d := _rmc("child.lookup", {})
	d.allow
	d.basis == "leerplichtwet-8a-rmc"
	d.fields == ["child_ref"]
}

test_rmc_registers_its_involvement_on_its_statutory_task if {
	d := _rmc("involvement.register", {})
	d.allow
	d.basis == "leerplichtwet-8a-rmc"
}

test_rmc_sees_the_attendance_status_and_the_schools_only if {
	d := _rmc("child.read", {"caller_involved": true})
	d.allow
	d.fields == ["attendance", "involvements:school"]
	list := _rmc("involvements.list", {})
	list.fields == ["involvements:school"]
}

test_rmc_reads_no_case_and_reports_no_event if {
	case := _rmc("case.read", {"caller_involved": true})
	not case.allow
	case.reasons == ["action-not-allowed-for-role"]
	event := _rmc("event.report", {"caller_involved": true, "event": "enrolment"})
	not event.allow
	"action-not-allowed-for-role" in event.reasons
	regisseur := _rmc("regisseur.set", {"caller_involved": true, "target_involved": true})
	not regisseur.allow
}

test_rmc_acts_for_its_own_purpose_only if {
	d := index.decision with input as _request("rmc", "rmc-consulent", "child.read", "signalering", {"caller_involved": true})
	not d.allow
	d.reasons == ["purpose-not-allowed-for-organisation-type"]
}

test_no_other_organisation_acts_for_the_rmc_purpose if {
	every org_type, role in {"school": "zorgcoordinator", "leerplicht": "leerplichtambtenaar", "ggd": "jeugdarts"} {
		d := index.decision with input as _request(org_type, role, "child.lookup", "voortijdig-schoolverlaten", {"caller_involved": true})
		not d.allow
		d.reasons == ["purpose-not-allowed-for-organisation-type"]
	}
}

test_the_rmc_worklist_holds_its_own_steps_only if {
	d := _rmc("worklist.read", {})
	d.allow
	d.basis == "leerplichtwet-8a-rmc"
	d.fields == ["party:rmc"]
}

test_others_see_the_rmc_involved if {
	d := index.decision with input as _request("school", "zorgcoordinator", "child.read", "signalering", {"caller_involved": true})
	"involvements:rmc" in d.fields
}

test_a_school_reports_that_a_pupil_leaves if {
	d := index.decision with input as _request("school", "zorgcoordinator", "event.report", "signalering", {
		"caller_involved": true, "event": "school-leaving", "subject_organisation": "mbo-a",
	})
	d.allow
	d.basis == "leerplichtwet"
	ggd := index.decision with input as _request("ggd", "jeugdarts", "event.report", "signalering", {
		"caller_involved": true, "event": "school-leaving",
	})
	not ggd.allow
	ggd.reasons == ["event-not-allowed-for-role"]
}

test_the_rmc_is_told_of_its_steps if {
	d := index.step_notification with input as _request("rmc", "rmc-consulent", "step.notify", "voortijdig-schoolverlaten", {
		"regisseur": "someone-else",
	})
	d.allow
	d.basis == "leerplichtwet-8a-rmc"
}
