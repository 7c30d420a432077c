# METADATA
# title: Requests from the gateways of neighbouring regions
# description: |
#   A peer asks on behalf of one of its partners. This region answers only where that partner has a statutory
#   task (Leerplichtwet, child protection): consents given in another region are not known here, and the
#   involvement signal does not cross the border. Which involvements it sees follows this region's own rules.
package inbeeld.federation

import data.inbeeld.vocabulary

_subject := input.subject.properties

_purpose := input.context.purpose

# METADATA
# title: Decision on a peer's lookup
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

_deny contains "unknown-action" if input.action.name != "peer.lookup"

_deny contains "role-not-valid-for-organisation-type" if not vocabulary.role_valid

_deny contains "no-statutory-task-for-peer" if not _basis

_basis := vocabulary.statutory[_subject.organisation_type][_purpose]

_fields contains sprintf("involvements:%s", [org_type]) if some org_type, _ in vocabulary.roles
