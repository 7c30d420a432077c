# METADATA
# title: Vocabulary of the region
# description: Roles per organisation type, and the statutory tasks that give a basis without consent.
package inbeeld.vocabulary

roles := {
	"school": {"zorgcoordinator", "intern-begeleider", "verzuimadministratie", "privacy-officer"},
	"ggd": {"jeugdarts", "jeugdverpleegkundige", "privacy-officer"},
	"leerplicht": {"leerplichtambtenaar", "privacy-officer"},
	"jeugdteam": {"jeugdprofessional", "teammanager", "privacy-officer"},
	"swv": {"consulent", "interventieteam", "privacy-officer"},
	"save": {"jeugdbeschermer", "privacy-officer"},
	"rvdk": {"raadsonderzoeker", "privacy-officer"},
	"rmc": {"rmc-consulent", "privacy-officer"},
	"regio": {"regiobeheerder", "privacy-officer"},
}

# The caller's role is one of its organisation type's. Every package denies unless this holds.
#
# Negate rules, never membership or calls: OPA evaluates the arguments of a negated call (`in` is one) outside the
# negation (open-policy-agent/opa#5793), so `not input.x in s` is false in OPA yet true in regorus when input.x is
# missing. A rule without arguments means the same in both.
role_valid if input.subject.properties.role in roles[input.subject.properties.organisation_type]

# Statutory tasks: organisation type -> purpose -> legal basis.
statutory := {
	"leerplicht": {"leerplicht-handhaving": "leerplichtwet"},
	"save": {"jeugdbescherming": "bw-1-jeugdbescherming"},
	"rvdk": {"jeugdbescherming": "bw-1-jeugdbescherming"},
	# Leerplichtwet art. 8a, WEB art. 8.3.3: the RMC keeps young people without a startkwalificatie in beeld
	# until 23 (the RMC-wet); schools report who leaves without one.
	"rmc": {"voortijdig-schoolverlaten": "leerplichtwet-8a-rmc"},
}

# Purposes that are one organisation type's own task: no other type's role may act for them, and that type's
# roles act for no other purpose.
own_purposes := {"rmc": {"voortijdig-schoolverlaten"}}

# The signal that a partner is involved (Verwijsindex) rests on the Jeugdwet, not on consent.
signal_basis := "jeugdwet-7.1.1-verwijsindex"

# Purposes for which, with joint custody, the consent of one parent suffices (a region's own choice: for
# everyday matters one parent may act, BW 1:247; for weighty ones both must). Empty: both parents, always.
one_custodian_suffices := set()
