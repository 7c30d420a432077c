# METADATA
# title: Case index decisions
# description: |
#   Who may register, find and read a child's index card, and which involvements they see.
#   Deny by default; every deny reason is a stable code.
# related_resources:
#   - description: Jeugdwet art. 7.1.1 (verwijsindex), Leerplichtwet 1969 art. 16-21a, BW 1:255
package inbeeld.index

import data.inbeeld.vocabulary

_subject := input.subject.properties

_action := input.action.name

_purpose := input.context.purpose

_resource := object.get(input, ["resource", "properties"], {})

# Which roles may take each action.
_action_roles := {
	"involvement.register": _professional_roles,
	"involvement.end": _professional_roles,
	"child.lookup": _professional_roles,
	"child.read": _professional_roles,
	"involvements.list": _professional_roles,
	"regisseur.set": _case_roles - {"verzuimadministratie"},
	"consent.register": _case_roles - {"verzuimadministratie"},
	"consent.withdraw": _case_roles - {"verzuimadministratie"},
	"consent.list": _case_roles,
	"event.report": _case_roles,
	"case.read": _case_roles,
	"worklist.read": _professional_roles - {"verzuimadministratie"},
}

_kernteam_roles := _case_roles - {"verzuimadministratie"}

# The RMC sees whether a young person is at school and the last school, never a case's dossier or clocks: it
# registers, finds and reads the card, and works its own worklist.
_rmc_roles := {"rmc-consulent"}

_case_roles := _professional_roles - _rmc_roles

_school_roles := {"zorgcoordinator", "intern-begeleider", "verzuimadministratie"}

# Who may report which event: schools and leerplicht the attendance facts, leerplicht the vrijstelling, the
# kernteam its meetings and decisions, the Interventieteam its own steps.
_event_roles := {
	"school-leaving": _school_roles,
	"unauthorised-absence": _attendance_reporters,
	"authorised-absence": _attendance_reporters,
	"enrolment": _attendance_reporters,
	"de-enrolment": _attendance_reporters,
	"vrijstelling-5a": {"leerplichtambtenaar"},
	"passend-aanbod": {"zorgcoordinator", "intern-begeleider", "leerplichtambtenaar", "consulent", "interventieteam", "jeugdprofessional"},
	"actietafel-held": _kernteam_roles,
	"joint-decision": _kernteam_roles,
	"interventieteam-started": {"interventieteam"},
	"interventieteam-plan": {"interventieteam"},
	"interventieteam-solution": {"interventieteam"},
	"doorzettingsmacht": {"interventieteam", "consulent", "teammanager", "leerplichtambtenaar"},
	"no-place": {"jeugdprofessional", "teammanager"},
}

_attendance_reporters := _school_roles | {"leerplichtambtenaar"}

_attendance_events := {
	"unauthorised-absence", "authorised-absence", "enrolment", "de-enrolment", "vrijstelling-5a",
	"school-leaving",
}

# Every role but the privacy officer, whose purpose is toezicht on the log, not the case.
_professional_roles := {
	"zorgcoordinator", "intern-begeleider", "verzuimadministratie", "jeugdarts", "jeugdverpleegkundige",
	"leerplichtambtenaar", "jeugdprofessional", "teammanager", "consulent", "interventieteam",
	"jeugdbeschermer", "raadsonderzoeker", "rmc-consulent",
}

_action_purposes := {
	"involvement.register": _registration_purposes,
	"involvement.end": _registration_purposes,
	"child.lookup": _case_purposes,
	"child.read": _case_purposes,
	"involvements.list": _case_purposes,
	"regisseur.set": {"afstemming-kernteam", "actietafel", "interventieteam"},
	"consent.register": _case_purposes,
	"consent.withdraw": _case_purposes,
	"consent.list": _case_purposes,
	"event.report": {"signalering", "leerplicht-handhaving", "afstemming-kernteam", "actietafel", "interventieteam"},
	"case.read": _case_purposes,
	"worklist.read": {
		"afstemming-kernteam", "actietafel", "interventieteam", "leerplicht-handhaving",
		"voortijdig-schoolverlaten",
	},
}

_registration_purposes := {
	"signalering", "afstemming-kernteam", "leerplicht-handhaving", "jeugdbescherming",
	"voortijdig-schoolverlaten",
}

_case_purposes := {
	"signalering", "afstemming-kernteam", "actietafel", "interventieteam",
	"leerplicht-handhaving", "jeugdbescherming", "voortijdig-schoolverlaten",
}

# Actions on an existing child need the caller's own involvement or a statutory task.
_needs_involvement := {
	"child.lookup", "child.read", "involvements.list", "regisseur.set",
	"consent.register", "consent.withdraw", "consent.list", "event.report", "case.read",
}

# On the signal basis alone, schools and the GGD do not learn that child protection is involved; with
# a consent or a statutory task they do (field-level minimisation).
_hidden_from := {
	"school": {"save", "rvdk"},
	"ggd": {"save", "rvdk"},
}

# An organisation type that sees only these involvements, whatever its basis: the RMC the schools.
_sees_only := {"rmc": {"school"}}
