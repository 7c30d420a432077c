package inbeeld.toezicht

import data.inbeeld.vocabulary

# METADATA
# title: Decision on a privacy officer's look at the audit log
# description: |
#   Returns {allow, fields, basis, obligations, reasons}. The functionaris gegevensbescherming supervises
#   the processing (AVG art. 39) of their own organisation: every record of its professionals' requests.
#   The log holds no case data beyond pseudonyms, so the officer reads no case data either.
# entrypoint: true
default decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

decision := {
	"allow": true,
	"fields": ["scope:own-organisation"],
	"basis": "avg-39-toezicht",
	"obligations": ["audit"],
	"reasons": [],
} if count(_deny) == 0

decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": sort(_deny)} if {
	count(_deny) > 0
}

_subject := input.subject.properties

_deny contains "unknown-action" if not _known_action

_known_action if input.action.name in {"audit.read", "audit.export"}

_deny contains "action-not-allowed-for-role" if _subject.role != "privacy-officer"

_deny contains "role-not-valid-for-organisation-type" if not vocabulary.role_valid

_deny contains "purpose-not-allowed-for-action" if input.context.purpose != "toezicht"
