# METADATA
# title: Live details from partner systems
# description: |
#   Which fields of which data category a caller may receive from the involved partners' own systems. More
#   than the signal: a statutory task or a consent, never the involvement alone. The content of a youth-health
#   consult only for child protection.
package inbeeld.details

import data.inbeeld.basis
import data.inbeeld.vocabulary

_subject := input.subject.properties

_purpose := input.context.purpose

_resource := object.get(input, ["resource", "properties"], {})

_roles := {
	"zorgcoordinator", "intern-begeleider", "jeugdarts", "jeugdverpleegkundige", "leerplichtambtenaar",
	"jeugdprofessional", "teammanager", "consulent", "interventieteam", "jeugdbeschermer", "raadsonderzoeker",
}

_purposes := {"afstemming-kernteam", "actietafel", "interventieteam", "leerplicht-handhaving", "jeugdbescherming"}

# The fields of each category, and which organisation types may receive them.
_fields_of := {
	"jgz-contact": {"planned", "took_place", "last_contact_on", "next_contact_on"},
	"attendance-summary": {"absent_hours_4w", "absent_hours_12w", "authorised_hours_12w"},
	"support": {"opp", "arrangement_since"},
}

_readers := {
	"jgz-contact": {"school", "leerplicht", "jeugdteam", "swv", "save", "rvdk"},
	"attendance-summary": {"ggd", "leerplicht", "jeugdteam", "swv", "save", "rvdk"},
	"support": {"ggd", "leerplicht", "jeugdteam", "swv", "save", "rvdk"},
}

_content_readers := {"save", "rvdk"}

# METADATA
# title: Decision on a detail query
# entrypoint: true
default decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

decision := {
	"allow": true,
	"fields": sort(_fields),
	"basis": _basis,
	"obligations": ["audit", "do-not-store"],
	"reasons": [],
} if {
	count(_deny) == 0
	_basis
}

decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": sort(_deny)} if {
	count(_deny) > 0
}

_deny contains "role-not-valid-for-organisation-type" if not vocabulary.role_valid

_deny contains "action-not-allowed-for-role" if not _role_allowed

_role_allowed if _subject.role in _roles

_deny contains "purpose-not-allowed-for-action" if not _purpose_allowed

_purpose_allowed if _purpose in _purposes

_deny contains "unknown-category" if {
	some category in object.get(_resource, "categories", [])
	not _fields_of[category]
}

_deny contains "no-involvement-or-statutory-task" if {
	not _resource.caller_involved
	not _statutory
	not basis.consent
}

_deny contains "no-category-allowed" if count(_fields) == 0

_statutory := vocabulary.statutory[_subject.organisation_type][_purpose]

_basis := _statutory

_basis := basis.consent if not _statutory

_fields contains sprintf("%s.%s", [category, field]) if {
	some category in object.get(_resource, "categories", [])
	_subject.organisation_type in object.get(_readers, category, set())
	some field in _fields_of[category]
}

_fields contains "jgz-contact.reason" if {
	"jgz-contact" in object.get(_resource, "categories", [])
	_subject.organisation_type in _content_readers
	_purpose == "jeugdbescherming"
	_statutory
}
