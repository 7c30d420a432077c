# METADATA
# title: Region-wide decisions
# description: |
#   The monthly monitor (aggregates only, small counts suppressed) and the routekaart (which partner to contact
#   for which signal). Neither discloses a child; both are still decided here and audited.
package inbeeld.region

import data.inbeeld.vocabulary

_subject := input.subject.properties

_action := input.action.name

_purpose := object.get(input, ["context", "purpose"], null)

_all_roles := {role | some roles in vocabulary.roles; some role in roles}

_action_roles := {
	"monitor.read": {"leerplichtambtenaar", "teammanager", "consulent", "interventieteam", "regiobeheerder", "privacy-officer"},
	"routekaart.read": _all_roles,
	"routekaart.edit": {"regiobeheerder"},
}

# METADATA
# title: Decision on a region-wide request
# entrypoint: true
default decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

decision := {
	"allow": true,
	"fields": [],
	"basis": "geen-persoonsgegevens",
	"obligations": ["audit"],
	"reasons": [],
} if count(_deny) == 0

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

# Figures are for monitoring only (doelbinding).
_deny contains "purpose-not-allowed-for-action" if {
	_action == "monitor.read"
	_purpose != "monitoring"
}
