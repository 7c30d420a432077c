package inbeeld.index

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

_deny contains "unknown-action" if not _action_roles[_action]

_deny contains "role-not-valid-for-organisation-type" if {
	not _subject.role in object.get(vocabulary.roles, _subject.organisation_type, set())
}

_deny contains "action-not-allowed-for-role" if {
	_action_roles[_action]
	not _subject.role in _action_roles[_action]
}

_deny contains "purpose-not-allowed-for-action" if {
	_action_purposes[_action]
	not _purpose in _action_purposes[_action]
}

_deny contains "no-involvement-or-statutory-task" if {
	_action in _needs_involvement
	not _resource.caller_involved
	not _statutory_basis
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

# A statutory task of the caller wins over the signal: it is the more specific basis.
_basis := _statutory_basis

_basis := "leerplichtwet" if {
	not _statutory_basis
	_action == "attendance.report"
}

_basis := vocabulary.signal_basis if {
	not _statutory_basis
	_action != "attendance.report"
}

_fields contains "attendance" if _action in {"child.read", "attendance.report"}

_fields contains "regisseur" if _action in {"child.read", "regisseur.set"}

_fields contains sprintf("involvements:%s", [org_type]) if {
	_action in {"child.read", "involvements.list"}
	some org_type, _ in vocabulary.roles
	not org_type in object.get(_hidden_from, _subject.organisation_type, set())
}

_fields contains "child_ref" if _action in {"involvement.register", "child.lookup"}

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
