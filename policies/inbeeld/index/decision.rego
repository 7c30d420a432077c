package inbeeld.index

import data.inbeeld.basis
import data.inbeeld.vocabulary

# METADATA
# title: Decision on one request to the case index
# description: Returns {allow, fields, basis, obligations, reasons}.
# entrypoint: true
default decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

decision := {
	"allow": true,
	"fields": sort(_fields),
	"basis": _basis,
	"obligations": ["audit"],
	"reasons": [],
} if {
	count(_deny) == 0
	_basis
}

decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": sort(_deny)} if {
	count(_deny) > 0
}

_deny contains "unknown-action" if not _known_action

_known_action if _action_roles[_action]

_deny contains "role-not-valid-for-organisation-type" if not vocabulary.role_valid

_deny contains "action-not-allowed-for-role" if {
	_known_action
	not _role_may_act
}

_role_may_act if _subject.role in _action_roles[_action]

# An action missing from the purpose table is allowed for no purpose (not for every one).
_deny contains "purpose-not-allowed-for-action" if not _purpose_allowed

_purpose_allowed if _purpose in _action_purposes[_action]

_deny contains "purpose-not-allowed-for-organisation-type" if _purpose_of_another_type

_deny contains "purpose-not-allowed-for-organisation-type" if _type_bound_to_other_purposes

_purpose_of_another_type if {
	some org_type, purposes in vocabulary.own_purposes
	_purpose in purposes
	_subject.organisation_type != org_type
}

_type_bound_to_other_purposes if {
	some org_type, purposes in vocabulary.own_purposes
	_subject.organisation_type == org_type
	not _purpose_in(purposes)
}

_purpose_in(purposes) if _purpose in purposes

_deny contains "no-involvement-or-statutory-task" if {
	_action in _needs_involvement
	not _resource.caller_involved
	not _statutory_basis
	not _opened_by_consent
}

# A consent that names the caller lets it read without an involvement of its own (the family asked this
# partner to look along); it never lets it report or decide.
_opened_by_consent if {
	_action in {"child.lookup", "child.read", "involvements.list", "case.read"}
	_consent_basis
}

_deny contains "not-own-involvement" if {
	_action == "involvement.end"
	_resource.owner != _subject.organisation
}

_deny contains "regisseur-not-involved" if {
	_action == "regisseur.set"
	not _resource.target_involved
}

_statutory_basis := vocabulary.statutory[_subject.organisation_type][_purpose]

_consent_basis := basis.consent

# The basis, most specific first: a statutory task; a duty the action itself rests on (the school's duty to
# report absence, Leerplichtwet art. 21a; the zorgplicht for thuiszitters, Wet passend onderwijs); a consent;
# the involvement signal itself (Jeugdwet art. 7.1.1), which never opens a case or a worklist.
_basis := _statutory_basis

_basis := _duty_basis if {
	not _statutory_basis
	_duty_basis
}

_basis := _consent_basis if {
	not _statutory_basis
	not _duty_basis
}

_basis := vocabulary.signal_basis if {
	not _statutory_basis
	not _duty_basis
	not _consent_basis
	not _opens_case_or_worklist
}

_opens_case_or_worklist if _action in {"case.read", "worklist.read"}

_duty_basis := "leerplichtwet" if {
	_action == "event.report"
	_attendance_event
}

_attendance_event if _resource.event in _attendance_events

_duty_basis := "wet-passend-onderwijs" if {
	_action in {"event.report", "case.read"}
	not _attendance_event
	_subject.organisation_type in {"school", "swv"}
}

_duty_basis := _worklist_basis[_subject.organisation_type] if _action == "worklist.read"

# Whose task the thuiszitter worklist is, and on which basis.
_worklist_basis := {
	"leerplicht": "leerplichtwet", "school": "wet-passend-onderwijs", "swv": "wet-passend-onderwijs",
	"jeugdteam": "jeugdwet", "ggd": "wet-publieke-gezondheid", "rmc": "leerplichtwet-8a-rmc",
}

_deny contains "event-not-allowed-for-role" if {
	_action == "event.report"
	not _role_may_report
}

_role_may_report if _subject.role in _event_roles[_resource.event]

_deny contains "enrolment-of-another-school" if {
	_action == "event.report"
	_resource.event in {"enrolment", "de-enrolment"}
	_subject.organisation_type == "school"
	not _own_enrolment
}

_own_enrolment if _resource.subject_organisation == _subject.organisation

# Only the party the region gave doorzettingsmacht records its binding decision.
_deny contains "no-doorzettingsmacht" if {
	_action == "event.report"
	_resource.event == "doorzettingsmacht"
	not _has_doorzettingsmacht
}

_has_doorzettingsmacht if _subject.organisation_type == data.inbeeld.region.rulesets[input.context.region].doorzettingsmacht

# More than the signal (attendance status, regisseur, child-protection involvement for schools and
# the GGD) needs a statutory task or a consent.
_beyond_signal if _statutory_basis

_beyond_signal if _consent_basis

_fields contains "attendance" if {
	_action == "child.read"
	_beyond_signal
}

_fields contains "attendance" if _action == "event.report"

_fields contains "case" if _action == "case.read"

_fields contains "party:kernteam" if _case_worklist

_fields contains "party:regisseur" if _case_worklist

_fields contains "party:organisation" if _case_worklist

_case_worklist if {
	_action == "worklist.read"
	_subject.organisation_type != "rmc"
}

_fields contains "party:rmc" if {
	_action == "worklist.read"
	_subject.role == "rmc-consulent"
}

_fields contains "party:interventieteam" if {
	_action == "worklist.read"
	_subject.role == "interventieteam"
}

_fields contains "party:leerplicht" if {
	_action == "worklist.read"
	_subject.role == "leerplichtambtenaar"
}

_fields contains "regisseur" if {
	_action == "child.read"
	_beyond_signal
	not _narrow_sight
}

_fields contains "regisseur" if _action == "regisseur.set"

_fields contains field if {
	_action in {"child.read", "involvements.list"}
	some org_type, field in _involvement_fields
	_involvement_visible(org_type)
}

_involvement_fields := {
	"school": "involvements:school", "ggd": "involvements:ggd", "leerplicht": "involvements:leerplicht",
	"jeugdteam": "involvements:jeugdteam", "swv": "involvements:swv", "save": "involvements:save",
	"rvdk": "involvements:rvdk", "rmc": "involvements:rmc",
}

_involvement_visible(org_type) if {
	not _hidden(org_type)
	not _outside_sight(org_type)
}

_involvement_visible(org_type) if {
	_beyond_signal
	not _outside_sight(org_type)
}

_hidden(org_type) if org_type in _hidden_from[_subject.organisation_type]

_outside_sight(org_type) if {
	some viewer, seen in _sees_only
	_subject.organisation_type == viewer
	not _seen(seen, org_type)
}

_narrow_sight if {
	some viewer, _ in _sees_only
	_subject.organisation_type == viewer
}

_seen(seen, org_type) if org_type in seen

_fields contains "child_ref" if _action in {"involvement.register", "child.lookup"}

_fields contains "consents" if _action in {"consent.register", "consent.withdraw", "consent.list"}

# METADATA
# title: Match notification
# description: May the recipient be told that an organisation of the partner's type is involved too?
# entrypoint: true
default match_notification := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

match_notification := {
	"allow": true,
	"fields": ["organisation", "role", "contact_point", "since"],
	"basis": vocabulary.signal_basis,
	"obligations": ["audit"],
	"reasons": [],
} if not _partner_hidden

match_notification := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["partner-hidden-from-recipient"]} if {
	_partner_hidden
}

_partner_hidden if {
	_resource.partner_type in object.get(_hidden_from, _subject.organisation_type, set())
}

# METADATA
# title: Step notification
# description: May the recipient be told that a clock of this child's case started or ran out?
# entrypoint: true
default step_notification := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis-for-case-notice"]}

step_notification := {
	"allow": true,
	"fields": ["step", "party", "starts_on", "due_on", "case_started_on"],
	"basis": _notice_basis,
	"obligations": ["audit"],
	"reasons": [],
} if _notice_basis

_notice_basis := "jeugdwet" if _resource.regisseur == _subject.organisation

_notice_basis := _notice_bases[_subject.organisation_type] if _resource.regisseur != _subject.organisation

_notice_bases := {
	"leerplicht": "leerplichtwet", "school": "wet-passend-onderwijs", "swv": "wet-passend-onderwijs",
	"save": "bw-1-jeugdbescherming", "rvdk": "bw-1-jeugdbescherming", "rmc": "leerplichtwet-8a-rmc",
}
