package inbeeld.portal

# METADATA
# title: Decision on one step of a parent or child in the portal
# description: |
#   Returns {allow, fields, basis, obligations, reasons}. The subject is a person logged in with DigiD:
#   a custodian (the BRP says they have gezag over the child) or the child. Under 16 the custodians
#   speak for the child; from 12 the child may look and consent too; from 16 the child alone.
# entrypoint: true
default decision := {"allow": false, "fields": [], "basis": null, "obligations": [], "reasons": ["no-basis"]}

decision := {
	"allow": true,
	"fields": sort(_fields[_action]),
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

_relation := input.subject.properties.relation

_child := input.resource.properties

_action := input.action.name

# What each step shows: the index card in plain words, the consents, and the audit trail about the child.
_fields := {
	"portal.child": {"involvements", "consents", "accesses"},
	"portal.consent.give": {"consents"},
	"portal.consent.confirm": {"consents"},
	"portal.consent.refuse": {"consents"},
	"portal.consent.withdraw": {"consents"},
	"portal.consent.receipts": {"consents"},
}

_deny contains "unknown-action" if not _known_action

_known_action if _fields[_action]

_deny contains "unknown-relation" if not _known_relation

_known_relation if _relation in {"custodian", "child"}

_deny contains "no-gezag" if {
	_relation == "custodian"
	not _child.custodian_has_gezag
}

_deny contains "child-decides-from-16" if {
	_relation == "custodian"
	_age_known
	_child.age >= 16
}

_deny contains "not-the-child" if {
	_relation == "child"
	not _child.is_self
}

_deny contains "too-young-to-log-in" if {
	_relation == "child"
	_age_known
	_child.age < 12
}

# Without a birth date nobody can tell who speaks for the child (nor can a consent be formed).
_deny contains "age-unknown" if not _age_known

# Compare ages only as numbers: engines order null against numbers differently.
_age_known if is_number(_child.age)

# Parental authority (BW 1:245) for custodians; the child's own right of access (AVG art. 15) from 12.
_basis := "ouderlijk-gezag" if _relation == "custodian"

_basis := "eigen-gegevens" if _relation == "child"
