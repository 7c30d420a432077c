# METADATA
# title: Bases shared by the decisions
# description: A consent that names the caller, for the purpose, valid today (Europe/Amsterdam).
package inbeeld.basis

_resource := object.get(input, ["resource", "properties"], {})

_valid_consent_ids contains given.id if {
	some given in object.get(_resource, "consents", [])
	given.status == "active"
	given.purpose == input.context.purpose
	given.valid_from <= input.context.today
	_not_ended(given.valid_until)
}

_not_ended(until) if until == null

_not_ended(until) if input.context.today <= until

consent := sprintf("consent:%s", [min(_valid_consent_ids)]) if count(_valid_consent_ids) > 0
